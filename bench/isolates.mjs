// `npm run bench:isolates`: the primary speed figures. The README's app as users run it (bench/isolated.ts),
// built as the package ships (tsc) for this checkout and for 0.1 (141a9bd, a git worktree of this repo's own
// history, nothing downloaded), beside the baseline, the floor and the peers, with ONE workerd process per
// case (as a deployed Worker runs one app) and the CPU time of that process (/proc schedstat). Cases are
// interleaved: each round runs one batch of every case, in an order rotated by one each round and reversed
// every other round. A batch's cost per request is (batch of n - the same call with n = 0) / n. Ratios pair
// two cases' batches of the same round of the same run; the report gives their median and interquartile range
// over every round of every run. Node 22 (the `node` dev dependency) beside it: one worker thread per case,
// wall time of the batch inside the thread (Node 22 has no per-thread CPU clock).
//
//   npm run bench:isolates                              3 runs x 12 rounds x 600 requests, workerd and Node
//   npm run bench:isolates -- --runs 1 --rounds 6 --n 200 --sizes 100   a first look in about 2 minutes
//
// Options: --runs N, --rounds N, --n N (requests per batch), --sizes 100,1024,2800, --runtime workerd,node,
// --only REGEX (case keys). Writes bench/out/isolates.json (every batch) and bench/out/ISOLATES.md.
// The large size is 2800 B of JSON: 2880 B (issue 26's table) no longer fits one cookie since every
// Set-Cookie line stays within 4096 bytes, and the CSRF case's 30-day Max-Age takes a few bytes more.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";
import * as miniflare from "miniflare";
import { bundleOptions } from "./bundle.mjs";
import { childPids, processCpuMs } from "./process-cpu.mjs";
import { renderIsolates } from "./ratios.mjs";

export const V01_REF = "141a9bd";
const root = fileURLToPath(new URL("..", import.meta.url));
const out = path.join(root, "bench/out");

/** Measures and writes bench/out/isolates.json and bench/out/ISOLATES.md; answers the measurement. */
export async function runIsolates(options) {
  const { runs, rounds, n, sizes, runtimes, only } = options;
  const started = new Date();
  const loadBefore = loadavg()[0];
  const bundles = await buildBundles();
  const workerd = createRequire(import.meta.resolve("miniflare"))("workerd");
  const nodeBin = path.join(root, "node_modules/.bin/node");
  const nodeVersion = execFileSync(nodeBin, ["--version"]).toString().trim();
  const batches = []; // { runtime, size, run, key, us: [per round] , refused? }
  for (let run = 1; run <= runs; run++) {
    for (const size of sizes) {
      if (runtimes.includes("workerd")) {
        log(`workerd run ${run}/${runs}, ${size} B`);
        batches.push(...(await workerdRun(bundles.worker, size, rounds, n, only)).map((b) => ({ runtime: "workerd", size, run, ...b })));
      }
      if (runtimes.includes("node")) {
        log(`Node run ${run}/${runs}, ${size} B`);
        const json = execFileSync(
          nodeBin,
          [path.join(root, "bench/isolates-node.mjs"), bundles.node, String(size), String(rounds), String(n), only.source],
          {
            maxBuffer: 1 << 26,
          },
        );
        batches.push(...JSON.parse(json.toString()).map((b) => ({ runtime: "node", size, run, ...b })));
      }
    }
  }
  const measurement = {
    date: started.toISOString().slice(0, 16).replace("T", " ") + " UTC",
    machine: { cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, loadBefore, loadAfter: loadavg()[0] },
    method: { runs, rounds, n, sizes, runtimes, workerd: workerd.version, node: nodeVersion, v01: bundles.v01 },
    batches,
  };
  writeFileSync(path.join(out, "isolates.json"), JSON.stringify(measurement));
  writeFileSync(path.join(out, "ISOLATES.md"), renderIsolates(measurement));
  return measurement;
}

/** tsc builds of this checkout and of 0.1, and one bundle importing both (workerd, and Node 22). */
export async function buildBundles() {
  mkdirSync(out, { recursive: true });
  const tsc = path.join(root, "node_modules/.bin/tsc");
  const current = path.join(out, "build-current");
  rmSync(current, { recursive: true, force: true });
  execFileSync(tsc, ["-p", "tsconfig.build.json", "--outDir", current], { cwd: root, stdio: "inherit" });
  const older = mkdtempSync(path.join(tmpdir(), "edge-session-0.1-"));
  const v01 = path.join(out, "build-0.1");
  try {
    execFileSync("git", ["worktree", "add", "--detach", "--force", older, V01_REF], { cwd: root, stdio: "ignore" });
    symlinkSync(path.join(root, "node_modules"), path.join(older, "node_modules"));
    rmSync(v01, { recursive: true, force: true });
    execFileSync(tsc, ["-p", "tsconfig.build.json", "--outDir", v01], { cwd: older, stdio: "inherit" });
  } finally {
    execFileSync("git", ["worktree", "remove", "--force", older], { cwd: root, stdio: "ignore" });
    rmSync(older, { recursive: true, force: true });
  }
  const contents = `
import { session, requireCsrfToken } from ${JSON.stringify(path.join(current, "cookie/index.js"))};
import { session as v01Session } from ${JSON.stringify(path.join(v01, "index.js"))};
import { isolatedCases } from ${JSON.stringify(path.join(root, "bench/isolated.ts"))};
const libs = { current: { session, requireCsrfToken }, v01: { session: v01Session } };
let step;
export default {
  async fetch(request) {
    const url = new URL(request.url);
    const q = (k) => url.searchParams.get(k);
    try {
      if (url.pathname === "/list") return Response.json([...isolatedCases(libs, 100).keys()]);
      if (url.pathname === "/prepare") {
        const c = isolatedCases(libs, Number(q("size"))).get(q("case"));
        if (!c) throw new Error("no case " + q("case"));
        step = await c.prepare();
        return new Response(null, { status: 204 });
      }
      for (let i = Number(q("n")); i > 0; i--) await step();
      return new Response(null, { status: 204 });
    } catch (error) {
      return new Response(String(error?.stack ?? error), { status: 500 });
    }
  },
};`;
  const bundle = (platform, file) =>
    build({ stdin: { contents, resolveDir: root, loader: "ts" }, outfile: path.join(out, file), ...bundleOptions(platform) });
  await Promise.all([bundle("browser", "isolates-worker.mjs"), bundle("node", "isolates-node-cases.mjs")]);
  const commit = execFileSync("git", ["rev-parse", "--short", V01_REF], { cwd: root }).toString().trim();
  return { worker: path.join(out, "isolates-worker.mjs"), node: path.join(out, "isolates-node-cases.mjs"), v01: commit };
}

/** One size, one run: a workerd process per case, started together, timed round by round. */
async function workerdRun(scriptPath, size, rounds, n, only) {
  const workerd = createRequire(import.meta.resolve("miniflare"))("workerd");
  const options = { modules: true, scriptPath, compatibilityDate: workerd.compatibilityDate, cf: false };
  const instances = [];
  const results = [];
  try {
    const start = async () => {
      const before = new Set(childPids("workerd"));
      const mf = new miniflare.Miniflare(miniflare.convertV4MiniflareOptions?.(options) ?? options);
      await mf.ready;
      const cpu = processCpuMs(childPids("workerd").filter((pid) => !before.has(pid)));
      if (!cpu) throw new Error("no workerd process of its own to time (Linux /proc needed)");
      const call = async (query) => {
        const res = await mf.dispatchFetch(`http://isolates.local/${query}`);
        if (res.status >= 400) throw new Error(await res.text());
        return res.status === 204 ? undefined : res.json();
      };
      return { mf, cpu, call };
    };
    const lister = await start();
    instances.push(lister);
    const keys = (await lister.call("list")).filter((key) => only.test(key));
    const live = [];
    for (const key of keys) {
      const inst = key === keys[0] ? lister : await start();
      if (inst !== lister) instances.push(inst);
      try {
        await inst.call(`prepare?size=${size}&case=${encodeURIComponent(key)}`);
        await inst.call(`run?n=${n}`); // warm-up
        live.push({ key, inst, us: [] });
      } catch (error) {
        results.push({ key, refused: String(error.message).split("\n", 1)[0].slice(0, 200) });
      }
    }
    const batch = async (inst, count) => {
      const before = inst.cpu();
      await inst.call(`run?n=${count}`);
      return inst.cpu() - before;
    };
    for (let round = 0; round < rounds; round++) {
      const order = live.map((_, i) => live[(i + round) % live.length]);
      if (round % 2) order.reverse();
      for (const item of order) {
        const zero = await batch(item.inst, 0);
        item.us.push(((await batch(item.inst, n)) - zero) * (1000 / n));
      }
    }
    for (const { key, us } of live) results.push({ key, us });
  } finally {
    for (const inst of instances) await inst.mf.dispose();
  }
  return results;
}

function log(message) {
  console.log(`[bench:isolates ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

/** Options of the command line, shared with bench/publish.mjs. */
export function isolatesOptions(values) {
  return {
    runs: Number(values.runs ?? 3),
    rounds: Number(values.rounds ?? 12),
    n: Number(values.n ?? 600),
    sizes: (values.sizes ?? "100,1024,2800").split(",").map(Number),
    runtimes: (values.runtime ?? "workerd,node").split(","),
    only: new RegExp(values.only ?? "."),
  };
}

export const ISOLATES_ARGS = {
  runs: { type: "string" },
  rounds: { type: "string" },
  n: { type: "string" },
  sizes: { type: "string" },
  runtime: { type: "string" },
  only: { type: "string" },
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: ISOLATES_ARGS });
  const measurement = await runIsolates(isolatesOptions(values));
  console.log(renderIsolates(measurement));
}
