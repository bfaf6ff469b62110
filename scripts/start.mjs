// @ts-check
/**
 * `npm start`: the demo bank (examples/bank) on wrangler dev, listening on 127.0.0.1 only, with KV kept
 * locally under .wrangler/state, and no network use. The e2e suite starts the demo through `startDemo` too.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const WRANGLER = path.join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");

/**
 * What keeps wrangler dev off the network: no download of the `request.cf` object (workers.cloudflare.com),
 * no usage metrics or crash reports, and no banner (which checks the npm registry for a newer wrangler).
 */
export const OFFLINE_ENV = {
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_SEND_ERROR_REPORTS: "false",
  WRANGLER_HIDE_BANNER: "true",
};

/** Writes a .dev.vars with a random SESSION_SECRET unless one exists. Returns true when it wrote one. */
export function ensureDevVars(root = ROOT) {
  const file = path.join(root, ".dev.vars");
  if (existsSync(file)) return false;
  const secret = randomBytes(32).toString("base64url");
  writeFileSync(
    file,
    `# Local secrets for wrangler dev (git-ignored). Written by npm start; delete it to get a new secret.\nSESSION_SECRET=${secret}\n`,
    { mode: 0o600 },
  );
  return true;
}

/**
 * Starts the demo and resolves once it answers.
 * @param {{ port?: number, vars?: Record<string, string>, persistTo?: string, quiet?: boolean, extraArgs?: string[] }} [options]
 *   `vars` override [vars] of wrangler.toml (e.g. a short IDLE_TIMEOUT); `quiet` collects wrangler's output
 *   instead of printing it (see `output()`).
 */
export async function startDemo(options = {}) {
  const { port = 8787, vars = {}, persistTo = path.join(ROOT, ".wrangler", "state"), quiet = false, extraArgs = [] } = options;
  const args = [
    WRANGLER,
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--persist-to",
    persistTo,
    "--show-interactive-dev-session=false",
    ...Object.entries(vars).flatMap(([key, value]) => ["--var", `${key}:${value}`]),
    ...extraArgs,
  ];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...OFFLINE_ENV },
    stdio: quiet ? ["ignore", "pipe", "pipe"] : ["ignore", "inherit", "inherit"],
    detached: true, // its own process group, so stop() also ends the workerd it starts
  });
  let log = "";
  child.stdout?.on("data", (chunk) => (log += chunk));
  child.stderr?.on("data", (chunk) => (log += chunk));
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve(signal ?? code)));

  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    const group = -child.pid;
    process.kill(group, "SIGTERM");
    const timer = setTimeout(() => {
      try {
        process.kill(group, "SIGKILL");
      } catch {}
    }, 5000);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + 90_000;
  for (;;) {
    const ended = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve(undefined), 250))]);
    if (ended !== undefined) throw new Error(`wrangler dev exited (${ended}) before serving the demo\n${log}`);
    try {
      const res = await fetch(`${url}/login`, { redirect: "manual" });
      await res.body?.cancel();
      if (res.status === 200) break;
    } catch {}
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the demo did not answer on ${url} within 90 s\n${log}`);
    }
  }
  return { url, stop, output: () => log };
}

async function main() {
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
  if (major < 22 || (major === 22 && minor < 12)) {
    console.error(`wrangler needs Node 22.12 or newer (this is ${process.version}): run \`npm start\`, which uses the project's Node.`);
    process.exit(1);
  }
  if (ensureDevVars()) console.log("Wrote .dev.vars with a random SESSION_SECRET (git-ignored).");
  const port = Number(process.env.PORT ?? 8787);
  const demo = await startDemo({ port, extraArgs: process.argv.slice(2) });
  console.log(`\n  Edge Bank (edge-session demo): ${demo.url}\n  Log in as alice / rabbit-hole-1865. Ctrl+C stops it.\n`);
  for (const signal of /** @type {const} */ (["SIGINT", "SIGTERM"])) {
    process.once(signal, () => void demo.stop().then(() => process.exit(0)));
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
