// `npm run test:runtimes`: the same session scenarios (test/runtimes/scenarios.ts) on every runtime the
// library supports, then the cookie interoperability check between them.
//
//   1. esbuild bundles each runtime's entry (test/runtimes/<entry>.ts) into one file, under a temp dir;
//   2. each runtime runs every scenario and seals a fixture (a fixed session for fixed secrets), which this
//      script writes to <temp>/interop/<runtime>.json;
//   3. each runtime opens every other runtime's fixture;
//   4. each runtime serves its example app (examples/runtimes/, examples/fetch/worker.ts for workerd), which
//      this script visits over loopback HTTP (or the runtime's dispatch) as a browser would.
//
// Runtimes, all from node_modules: Node (the `node` dev dependency, 22), Bun (`bun`), Deno (`deno run`),
// Vercel's Edge Runtime (the `edge-runtime` package's sandbox, in this process) and workerd (through Miniflare).
// Closes with `runtimes: N passed, M failed` (N and M count runtime x scenario); exits 1 on any failure.
//
//   npm run test:runtimes -- --only node,deno     some runtimes only (the interop check among those)
//   npm run test:runtimes -- --keep               keep the temp dir (bundles, fixtures) and print its path
import { build } from "esbuild";
import { EdgeRuntime } from "edge-runtime";
import * as miniflare from "miniflare";
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";

const root = new URL("..", import.meta.url).pathname;
const bin = (name) => join(root, "node_modules/.bin", name);
const packageVersion = (name) => createRequire(import.meta.url)(`${name}/package.json`).version;
const REPORT_MARK = "@@edge-session-runtimes@@ ";
/** Longest one runtime may take for one command (start-up included) before it counts as failed. */
const TIMEOUT_MS = 120_000;
/** The environment of the child runtimes: no update checks, no telemetry (the network is not theirs to use). */
const childEnv = { ...process.env, DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1", DO_NOT_TRACK: "1", NO_COLOR: "1" };

const workerd = createRequire(import.meta.resolve("miniflare"))("workerd");

/**
 * Each runtime: its entry, how esbuild bundles it (the conditions its own bundler would use), and how one
 * command reaches it.
 */
const RUNTIMES = {
  node: {
    entry: "node.ts",
    platform: "node",
    conditions: ["node"],
    run: child((file) => [bin("node"), ["--enable-source-maps", file]]),
    example: { file: "examples/runtimes/node.ts", serve: (file, port) => [bin("node"), [file], { PORT: port }] },
  },
  bun: {
    entry: "bun.ts",
    conditions: ["bun"],
    run: child((file) => [bin("bun"), ["run", file]]),
    example: { file: "examples/runtimes/bun.ts", serve: (file, port) => [bin("bun"), ["run", file], { PORT: port }] },
  },
  deno: {
    entry: "deno.ts",
    conditions: ["deno"],
    run: child((file) => [bin("deno"), ["run", "--allow-net=127.0.0.1", "--no-config", "--no-lock", "--quiet", file]]),
    example: {
      file: "examples/runtimes/deno.ts",
      serve: (file, port) => [
        bin("deno"),
        ["serve", "--allow-env=SESSION_SECRET", "--host", "127.0.0.1", "--port", port, "--no-config", "--no-lock", "--quiet", file],
      ],
    },
  },
  "edge-runtime": {
    entry: "edge.ts",
    format: "iife",
    conditions: ["edge-light", "worker", "browser"],
    run: inEdgeRuntime,
    version: `${packageVersion("edge-runtime")} (on Node ${process.version})`,
    example: { file: "examples/runtimes/edge.ts", visit: visitEdgeExample },
  },
  workerd: {
    entry: "workerd.ts",
    conditions: ["workerd", "worker", "browser"],
    external: ["cloudflare:workers"],
    run: inWorkerd,
    version: workerd.version,
    example: { file: "examples/fetch/worker.ts", visit: visitWorkerExample },
  },
};
/** The secret the example apps get from their environment. */
const EXAMPLE_SECRET = "example-secret-0123456789-abcdefghijklmnopqrstuvwxyz";
const EXAMPLE_COOKIE = "__Host-session";

const { values: args } = parseArgs({ options: { only: { type: "string" }, keep: { type: "boolean", default: false } } });
const selected = args.only ? args.only.split(",") : Object.keys(RUNTIMES);
for (const name of selected) if (!RUNTIMES[name]) throw new Error(`unknown runtime ${name}; known: ${Object.keys(RUNTIMES).join(", ")}`);

const temp = await mkdtemp(join(tmpdir(), "edge-session-runtimes-"));
const reports = {}; // runtime -> { version, results }
try {
  // A runtime whose bundle does not build (e.g. the root importing a Workers-only module) fails, the others go on.
  const bundles = Object.fromEntries(
    await Promise.all(
      selected.map(async (name) => [name, await bundle(name, `test/runtimes/${RUNTIMES[name].entry}`).catch((error) => error)]),
    ),
  );

  // Every scenario, and each runtime's fixture.
  await mkdir(join(temp, "interop"));
  for (const name of selected) {
    const file = bundles[name];
    const report = await attempt(name, () => (file instanceof Error ? Promise.reject(file) : RUNTIMES[name].run(file, { mode: "run" })));
    reports[name] = { version: RUNTIMES[name].version ?? report.version, results: report.results };
    if (report.fixture) await writeFile(join(temp, "interop", `${name}.json`), JSON.stringify(report.fixture, null, 2));
  }

  // Each runtime opens every other runtime's fixture.
  const files = (await readdir(join(temp, "interop"))).sort();
  const fixtures = await Promise.all(files.map(async (file) => JSON.parse(await readFile(join(temp, "interop", file), "utf8"))));
  for (const name of selected) {
    const others = fixtures.filter((fixture) => fixture.runtime !== name);
    if (!others.length || bundles[name] instanceof Error) continue;
    const report = await attempt(name, () => RUNTIMES[name].run(bundles[name], { mode: "open", fixtures: others }));
    reports[name].results.push(...report.results);
  }

  // Each runtime's example app, as its users run it.
  for (const name of selected) reports[name].results.push(await exampleResult(name));
} finally {
  if (args.keep) console.log(`runtimes: bundles and fixtures kept in ${temp}`);
  else await rm(temp, { recursive: true, force: true });
}

let passed = 0;
let failed = 0;
for (const [name, { version, results }] of Object.entries(reports)) {
  console.log(`\n${name} ${version ?? ""}`);
  for (const { scenario, ok, error } of results) {
    if (ok) passed++;
    else failed++;
    console.log(`  ${ok ? "ok  " : "FAIL"}  ${scenario}`);
    if (!ok) console.log(indent(error ?? "(no message)", 8));
  }
}
console.log(`\nruntimes: ${passed} passed, ${failed} failed`);
process.exit(failed || !passed ? 1 : 0);

/** Bundles one runtime's entry (or example) into a single file, as that runtime's bundler would; returns its path. */
async function bundle(name, entry, extra = {}) {
  const { platform = "neutral", format = "esm", conditions, external } = RUNTIMES[name];
  const outfile = join(temp, `${entry.replace(/\W/g, "-")}.${name}.${format === "esm" ? "mjs" : "js"}`);
  await build({
    entryPoints: [join(root, entry)],
    outfile,
    bundle: true,
    format,
    platform,
    target: "es2022",
    conditions,
    external,
    mainFields: ["module", "main"],
    // Failures point at test/runtimes/*.ts and src/ on Node (--enable-source-maps) and Deno; Bun shows the bundle.
    sourcemap: "inline",
    logLevel: "warning",
    ...extra,
  });
  return outfile;
}

/** Runs one command; a runtime that fails to answer counts as one failed scenario, with the reason. */
async function attempt(name, run) {
  try {
    const report = await withTimeout(run(), `${name} did not answer within ${TIMEOUT_MS / 1000} s`);
    if (!Array.isArray(report?.results))
      throw new Error(`${name} answered something that is not a report: ${JSON.stringify(report).slice(0, 300)}`);
    return report;
  } catch (error) {
    return { results: [{ scenario: "the runtime answers", ok: false, error: error?.stack ?? String(error) }] };
  }
}

/** A runtime started as a child process per command: the command as its argument, the report on a marked line. */
function child(commandLine) {
  return (file, command) =>
    new Promise((resolve, reject) => {
      const [executable, argv] = commandLine(file);
      const proc = spawn(executable, [...argv, JSON.stringify(command)], { cwd: temp, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
      const timer = setTimeout(() => proc.kill("SIGKILL"), TIMEOUT_MS);
      let stdout = "";
      let stderr = "";
      proc.stdout.on("data", (chunk) => (stdout += chunk));
      proc.stderr.on("data", (chunk) => (stderr += chunk));
      proc.on("error", (error) => {
        clearTimeout(timer);
        reject(new Error(`could not start ${executable}: ${error.message}`));
      });
      proc.on("close", (code, signal) => {
        clearTimeout(timer);
        const line = stdout.split("\n").find((l) => l.startsWith(REPORT_MARK));
        if (line && code === 0) return resolve(JSON.parse(line.slice(REPORT_MARK.length)));
        const output = `${stdout}\n${stderr}`.trim().split("\n").slice(-30).join("\n");
        reject(new Error(`${executable} exited with ${signal ?? code}${line ? "" : ", without a report"}:\n${output}`));
      });
    });
}

/** Vercel's Edge Runtime as the `edge-runtime` package emulates it: the bundle in its sandbox, the command as a fetch event. */
async function inEdgeRuntime(file, command) {
  const runtime = new EdgeRuntime({ initialCode: await readFile(file, "utf8") });
  const response = await runtime.dispatchFetch("http://runtimes.test/", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(command),
  });
  if (response.status !== 200) throw new Error(`the edge handler answered ${response.status}: ${await response.text()}`);
  return JSON.parse(await response.text());
}

/** workerd through Miniflare: the bundle as a module Worker, the command as a request. */
async function inWorkerd(file, command) {
  // modulesRoot: the bundle lives outside the current directory, and module names must not climb out of their
  // root. cf: false: Miniflare's placeholder `request.cf`, not one downloaded from Cloudflare.
  const worker = { modules: true, modulesRoot: dirname(file), scriptPath: file, compatibilityDate: workerd.compatibilityDate, cf: false };
  // Miniflare 5 takes a new option shape and converts the v4 one.
  const mf = new miniflare.Miniflare(miniflare.convertV4MiniflareOptions?.(worker) ?? worker);
  try {
    const response = await mf.dispatchFetch("http://runtimes.test/", { method: "POST", body: JSON.stringify(command) });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`the Worker answered ${response.status}: ${text}`);
    return JSON.parse(text);
  } finally {
    await mf.dispose();
  }
}

/** Serves a runtime's example app and visits it: one result. */
async function exampleResult(name) {
  const { file, serve, visit } = RUNTIMES[name].example;
  const scenario = `example: ${file}`;
  try {
    if (visit) await withTimeout(visit(file), `${name}'s example did not answer within ${TIMEOUT_MS / 1000} s`);
    else
      await withTimeout(
        visitServedExample(await bundle(name, file), serve),
        `${name}'s example did not answer within ${TIMEOUT_MS / 1000} s`,
      );
    return { scenario, ok: true };
  } catch (error) {
    return { scenario, ok: false, error: error?.stack ?? String(error) };
  }
}

/**
 * What a browser sees of an example app (all of them count visits): visit 1, visit 2 with the cookie, logout
 * expires the cookie, then visit 1 again. `request(path, init)` reaches the app however its runtime serves it.
 */
async function visitExample(request) {
  let cookie;
  const go = async (method, path) => {
    const response = await request(path, { method, headers: cookie ? { Cookie: `${EXAMPLE_COOKIE}=${cookie}` } : {} });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
    const set = response.headers.getSetCookie().find((h) => h.startsWith(`${EXAMPLE_COOKIE}=`));
    if (set) cookie = /; Max-Age=0(;|$)/.test(set) ? undefined : set.slice(EXAMPLE_COOKIE.length + 1, set.indexOf(";"));
    return { text, set };
  };
  const expect = (actual, pattern, what) => {
    if (!pattern.test(actual)) throw new Error(`${what}: ${JSON.stringify(actual)} does not match ${pattern}`);
  };
  expect((await go("GET", "/")).text, /^Visit 1 since /, "first visit");
  if (!cookie) throw new Error("no session cookie after the first visit");
  expect((await go("GET", "/")).text, /^Visit 2 since /, "second visit, with the cookie");
  const logout = await go("POST", "/logout");
  expect(logout.text, /^Logged out/, "logout");
  expect(logout.set ?? "", /; Max-Age=0(;|$)/, "logout's Set-Cookie");
  expect((await go("GET", "/")).text, /^Visit 1 since /, "after logout");
}

/** An example served by its runtime on a free loopback port, visited over HTTP, then stopped. */
async function visitServedExample(file, serve) {
  const port = String(await freePort());
  const [executable, argv, env] = serve(file, port);
  const proc = spawn(executable, argv, {
    cwd: temp,
    env: { ...childEnv, ...env, SESSION_SECRET: EXAMPLE_SECRET },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  proc.stdout.on("data", (chunk) => (output += chunk));
  proc.stderr.on("data", (chunk) => (output += chunk));
  const exited = new Promise((resolve) => proc.on("close", resolve));
  try {
    const origin = `http://127.0.0.1:${port}`;
    // Up once it answers at all: until then, connections are refused.
    for (let tries = 0; ; tries++) {
      if (proc.exitCode !== null) throw new Error(`${executable} exited with ${proc.exitCode}:\n${output.trim()}`);
      try {
        await fetch(`${origin}/unknown-path`);
        break;
      } catch (error) {
        if (tries > 200) throw new Error(`${executable} did not listen on ${origin}:\n${output.trim()}`, { cause: error });
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    await visitExample((path, init) => fetch(origin + path, init));
  } finally {
    proc.kill();
    await exited;
  }
}

/** The Edge Function's module in the Edge Runtime sandbox, its default export as the fetch listener, process.env set. */
async function visitEdgeExample(file) {
  const code = await readFile(
    await bundle("edge-runtime", file, {
      globalName: "edgeFunction",
      footer: { js: "addEventListener('fetch', (event) => event.respondWith(edgeFunction.default(event.request)));" },
    }),
    "utf8",
  );
  const runtime = new EdgeRuntime({
    initialCode: code,
    extend: (context) => Object.assign(context, { process: { env: { SESSION_SECRET: EXAMPLE_SECRET } } }),
  });
  await visitExample((path, init) => runtime.dispatchFetch(`http://edge.test${path}`, init));
}

/** The plain fetch Worker in workerd, SESSION_SECRET as a binding. */
async function visitWorkerExample(file) {
  const bundled = await bundle("workerd", file);
  const worker = {
    modules: true,
    modulesRoot: dirname(bundled),
    scriptPath: bundled,
    compatibilityDate: workerd.compatibilityDate,
    cf: false,
    bindings: { SESSION_SECRET: EXAMPLE_SECRET },
  };
  const mf = new miniflare.Miniflare(miniflare.convertV4MiniflareOptions?.(worker) ?? worker);
  try {
    await visitExample((path, init) => mf.dispatchFetch(`http://worker.test${path}`, init));
  } finally {
    await mf.dispose();
  }
}

/** A port nothing listens on right now (the OS's pick). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function withTimeout(promise, message) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function indent(text, spaces) {
  const pad = " ".repeat(spaces);
  return text
    .split("\n")
    .slice(0, 12)
    .map((line) => pad + line)
    .join("\n");
}
