// @ts-check
/**
 * Servers the test scripts start (scripts/consumer.mjs, scripts/test-frameworks.mjs): each in its own process
 * group on a free 127.0.0.1 port, ended as a group (wrangler's workerd, `npm start`'s server), and every one
 * still running ended when the script exits, also on a failure or a signal.
 */
import { spawn } from "node:child_process";
import { createServer } from "node:net";

/** @type {Set<import("node:child_process").ChildProcess>} */
const servers = new Set();
process.on("exit", () => {
  for (const child of servers) stop(child);
});
for (const signal of /** @type {const} */ (["SIGINT", "SIGTERM"])) process.on(signal, () => process.exit(1));

/** A TCP port nothing listens on at the moment, on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.on("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/**
 * Starts `command` with what `launch(port)` gives, in its own process group, on a free port; resolves with its
 * base URL and a function giving its output so far once `/` answers (any status; at most 90 s).
 * @param {string} command
 * @param {string} cwd
 * @param {(port: number) => { args: string[], env: NodeJS.ProcessEnv }} launch
 */
export async function serve(command, cwd, launch) {
  const port = await freePort();
  const { args, env } = launch(port);
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  servers.add(child);
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  const base = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 90_000; Date.now() < deadline;) {
    if (child.exitCode !== null) break;
    const up = await fetch(base, { signal: AbortSignal.timeout(5_000) }).then(
      () => true,
      () => false,
    );
    if (up) return { child, base, output: () => output };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  stop(child);
  throw new Error(`${command} ${args.join(" ")} did not answer on ${base}:\n${output}`);
}

/**
 * Ends a server's whole process group.
 * @param {import("node:child_process").ChildProcess} child
 */
export function stop(child) {
  if (!servers.delete(child) || child.exitCode !== null || child.pid === undefined) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // the group has already gone
  }
}
