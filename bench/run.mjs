// `npm run bench`: bundles the TypeScript scenarios with esbuild, runs them in this Node process and inside
// workerd (a bench Worker started through Miniflare, every case in one shared isolate, timings taken
// in-isolate), then writes bench/out/SUITE.md. The published bench/RESULTS.md quotes it as its secondary view
// (`npm run bench:publish`); the primary figures, one isolate per case, come from bench/isolates.mjs.
//
//   npm run bench                          full run (about 2.5 minutes on 2 cores)
//   npm run bench -- --quick               2 short rounds: checks every case
//   npm run bench -- --only round-trip --runtime node
//   npx node --cpu-prof --cpu-prof-dir=bench/out bench/run.mjs --only round-trip --runtime node   (profile, Node 22)
//
// Options: --rounds N, --batch-ms N, --only a,b (seal, round-trip, read-only, cookie-header, chunks, csrf, bytes, kv-ops, revocation-trace,
// runtimes, size), --runtime node|workerd,
// --out FILE (relative to the current directory).
import { build } from "esbuild";
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg } from "node:os";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import * as miniflare from "miniflare";
import { bundleOptions } from "./bundle.mjs";
import { childPids, median, processCpuMs } from "./process-cpu.mjs";

const root = new URL("..", import.meta.url);
const out = new URL("out/", import.meta.url);
const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    rounds: { type: "string" },
    "batch-ms": { type: "string" },
    only: { type: "string" },
    runtime: { type: "string" },
    out: { type: "string" },
  },
});
const options = {
  rounds: Number(args.rounds ?? (args.quick ? 2 : 9)),
  batchMs: Number(args["batch-ms"] ?? (args.quick ? 10 : 100)),
};
const TIMED = ["seal", "round-trip", "read-only", "cookie-header", "chunks", "csrf"];
const only = args.only ? args.only.split(",") : [...TIMED, "bytes", "kv-ops", "revocation-trace", "runtimes", "size"];
const runtimes = args.runtime ? [args.runtime] : ["node", "workerd"];
const target = args.out ? pathToFileURL(resolve(args.out)) : new URL("out/SUITE.md", import.meta.url);

const started = performance.now();
const loadBefore = loadavg()[0];
const bundle = (entry, outfile, platform) =>
  build({ entryPoints: [new URL(entry, import.meta.url).pathname], outfile: new URL(outfile, out).pathname, ...bundleOptions(platform) });
await Promise.all([bundle("node.ts", "node.mjs", "node"), bundle("worker.ts", "worker.mjs", "browser")]);
const { prepareScenario, runBatch, timeCases, runBytes, renderReport } = await import(new URL("node.mjs", out).href);

const workerd = createRequire(import.meta.resolve("miniflare"))("workerd");
const runs = [];
if (runtimes.includes("node")) {
  const runner = {
    async batch(index, iterations) {
      const before = process.cpuUsage();
      const wall = await runBatch(index, iterations);
      const { user, system } = process.cpuUsage(before);
      return { wall, cpu: (user + system) / 1000 };
    },
  };
  addRun(`Node ${process.version}`, await runScenarios("node", prepareScenario, () => runner));
}
let kvOps;
let revocationTrace;
if (runtimes.includes("workerd")) {
  const worker = {
    modules: true,
    scriptPath: new URL("worker.mjs", out).pathname,
    compatibilityDate: workerd.compatibilityDate,
    kvNamespaces: ["SESSIONS"], // in memory: nothing persists between runs
    cf: false, // no download of the request.cf object: the bench reaches no network
    durableObjects: { SESSION_OBJECTS: { className: "CountedSessionObject", useSQLite: true } },
  };
  // Miniflare 5 takes a new option shape and converts the v4 one.
  const mf = new miniflare.Miniflare(miniflare.convertV4MiniflareOptions?.(worker) ?? worker);
  try {
    await mf.ready;
    const call = async (command) => {
      const res = await mf.dispatchFetch("http://bench.local/", { method: "POST", body: JSON.stringify(command) });
      if (!res.ok) throw new Error(`workerd: ${await res.text()}`);
      return res.json();
    };
    const cpu = processCpuMs(childPids("workerd"));
    const runner = async () => {
      // CPU of the workerd process around each batch request, less what an empty request costs.
      let overhead = 0;
      if (cpu) {
        const samples = [];
        for (let k = 0; k < 30; k++) {
          const before = cpu();
          await call({ index: 0, iterations: 0 });
          samples.push(cpu() - before);
        }
        overhead = median(samples);
      }
      return {
        async batch(index, iterations) {
          const before = cpu?.();
          const wall = await call({ index, iterations });
          return { wall, cpu: cpu ? cpu() - before - overhead : undefined };
        },
      };
    };
    addRun(`workerd ${workerd.version}`, await runScenarios("workerd", (name) => call({ prepare: name }), runner));
    if (only.includes("kv-ops")) {
      log("workerd: kv-ops");
      kvOps = await call({ kvOps: true });
    }
    if (only.includes("revocation-trace")) {
      log("workerd: revocation-trace");
      revocationTrace = await call({ revocationTrace: true });
    }
  } finally {
    await mf.dispose();
  }
}
let bytes;
if (only.includes("bytes")) {
  log("bytes");
  bytes = await runBytes();
}

const versionOf = (name) => JSON.parse(readFileSync(new URL(`node_modules/${name}/package.json`, root), "utf8")).version;
const machine = {
  date: new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC",
  cpu: readFileSync("/proc/cpuinfo", "utf8").match(/^model name\s*:\s*(.*)$/m)?.[1] ?? cpus()[0]?.model ?? "unknown",
  cores: cpus().length,
  loadBefore,
  loadAfter: loadavg()[0],
  versions: {
    node: process.version,
    workerd: workerd.version,
    ...Object.fromEntries(
      ["miniflare", "hono", "jose", "@hono/session", "hono-sessions", "iron-session", "iron-webcrypto"].map((n) => [n, versionOf(n)]),
    ),
  },
};
const seconds = (performance.now() - started) / 1000;
let others = "";
if (only.includes("runtimes")) {
  // Bun and Deno: bench/runtimes.mjs runs the same round trip in each runtime's own process (Node is above).
  log("bun, deno: round trip (bench/runtimes.mjs)");
  const { execFileSync } = await import("node:child_process");
  execFileSync(
    process.execPath,
    [new URL("runtimes.mjs", import.meta.url).pathname, "--runtime", "bun,deno", ...(args.quick ? ["--quick"] : [])],
    { stdio: "inherit" },
  );
  const report = readFileSync(new URL("out/RUNTIMES.md", import.meta.url), "utf8");
  others = "\n## Bun and Deno (`npm run bench:runtimes`, same run)\n\n" + report.replace(/^#/gm, "##").replace(/^## [^\n]*\n/, "") + "\n";
}
let sizes = "";
if (only.includes("size")) {
  log("size");
  const { measureSizes, renderSizes } = await import("./size.mjs");
  sizes = "\n" + renderSizes(await measureSizes()) + "\n";
}
writeFileSync(target, renderReport({ machine, options, seconds, runs, bytes, kvOps, revocationTrace }) + "\n" + others + sizes);
log(`wrote ${target.pathname.replace(root.pathname, "")} in ${Math.round(seconds)} s`);

function addRun(runtime, results) {
  if (Object.keys(results).length) runs.push({ runtime, results });
}

/** Prepares and times every selected scenario in one runtime. */
async function runScenarios(runtime, prepare, runnerFor) {
  const results = {};
  for (const name of only.filter((s) => TIMED.includes(s))) {
    log(`${runtime}: ${name}`);
    const { labels, notes } = await prepare(name);
    results[name] = { timings: await timeCases(labels, await runnerFor(), options), notes };
  }
  return results;
}

function log(message) {
  console.log(`[bench ${Math.round((performance.now() - started) / 1000)}s] ${message}`);
}
