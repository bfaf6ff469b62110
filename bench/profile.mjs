// `npm run bench:profile`: where a request's time goes in workerd, per part and per function. Each case of
// bench/isolated.ts runs in its own workerd process (bench/isolates.mjs's bundle: this checkout and 0.1 built
// as they ship) with the V8 inspector on; after a warm-up of 3000 requests, a CPU profile (a sample every
// 50 us) of --n requests, and with --heap a sampling heap profile of the same (objects either garbage
// collector freed included: what a request allocates, not what survives). Self time is summed per source
// module of the bundle (esbuild writes `// path` before each module, the bundle is not minified) and
// grouped: edge-session's own code, jose, Hono, the bench's client, the runtime's natives (Request,
// Response, the garbage collector, idle...). Wall time under the profiler, so compare shares and the cases of
// one run, not microseconds across runs. Writes bench/out/PROFILE.md.
//
//   npm run bench:profile                                        this build and 0.1, round trip, 100 B
//   npm run bench:profile -- --only "CSRF|same session" --size 1024 --n 20000 --heap --top 30
//   npm run bench:profile -- --promoted      bytes per request that outlived a minor collection (see below)
//
// --promoted samples only what survives the young generation's collector (whether a major collection frees it
// later or not): what a request keeps alive past the next scavenge is copied, then promoted and collected by a
// major collection, far dearer than what dies young. The bytes per function say who holds on to it.
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import * as miniflare from "miniflare";
import { buildBundles } from "./isolates.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({
  options: {
    only: { type: "string", default: "^edge-session (\\(this build\\)|0\\.1 \\(141a9bd\\)) @ round trip$" },
    size: { type: "string", default: "100" },
    n: { type: "string", default: "20000" },
    heap: { type: "boolean", default: false },
    promoted: { type: "boolean", default: false },
    top: { type: "string", default: "20" },
  },
});
const only = new RegExp(values.only);
const size = Number(values.size);
const n = Number(values.n);
const top = Number(values.top);
const PORT = 9239;

const started = new Date();
const bundles = await buildBundles();
const bundle = readFileSync(bundles.worker, "utf8").split("\n");
const moduleOf = moduleIndex(bundle);
const keys = await listCases(bundles.worker);
const chosen = keys.filter((key) => only.test(key));
if (!chosen.length) throw new Error(`no case matches ${only}; cases: ${keys.join(" | ")}`);

const sections = [];
for (const key of chosen) {
  log(`${key}, ${size} B`);
  const { cpu, heap, wall } = await profileCase(bundles.worker, key);
  sections.push(render(key, cpu, heap, wall));
}
const stamp = `${started.toISOString().slice(0, 16).replace("T", " ")} UTC, ${cpus().length} cores, load ${loadavg()[0].toFixed(1)}`;
const report = [
  "# Where a request's time goes (`npm run bench:profile`)",
  "",
  `Profiled ${stamp}: ${size} B session, ${n} requests per case after 3000 of warm-up, one workerd process per case, V8 CPU profile (50 us sampling)${values.promoted ? " and sampling heap profile of what outlived a minor collection" : values.heap ? " and sampling heap profile" : ""}. Self time per request under the profiler (wall time: compare shares and the cases of this run).`,
  "",
  ...sections,
].join("\n");
writeFileSync(path.join(root, "bench/out/PROFILE.md"), report + "\n");
console.log(report);

/** The bundle's line numbers where each module starts (esbuild's `// path` comments), for a line → module look-up. */
function moduleIndex(lines) {
  const marks = [];
  lines.forEach((line, i) => {
    const m = /^\/\/ (\S+\.(m?js|ts))$/.exec(line);
    if (m) marks.push([i, m[1]]);
  });
  return (line) => {
    let lo = 0;
    let hi = marks.length - 1;
    let found = "?";
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (marks[mid][0] <= line) {
        found = marks[mid][1];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found
      .replace(/.*node_modules\//, "")
      .replace(/.*bench\/out\/build-current\//, "edge-session/")
      .replace(/.*bench\/out\/build-0\.1\//, "edge-session 0.1/");
  };
}

async function listCases(scriptPath) {
  const mf = start(scriptPath, false);
  try {
    return await (await mf.dispatchFetch("http://profile.local/list")).json();
  } finally {
    await mf.dispose();
  }
}

function start(scriptPath, inspect) {
  const options = { modules: true, scriptPath, compatibilityDate: "2025-09-01", cf: false, ...(inspect ? { inspectorPort: PORT } : {}) };
  return new miniflare.Miniflare(miniflare.convertV4MiniflareOptions?.(options) ?? options);
}

/** One case in a process of its own: warm-up, then the CPU profile (and the heap profile) of `n` requests. */
async function profileCase(scriptPath, key) {
  const mf = start(scriptPath, true);
  try {
    await mf.ready;
    const call = async (query) => {
      const res = await mf.dispatchFetch(`http://profile.local/${query}`);
      if (res.status >= 400) throw new Error(await res.text());
    };
    await call(`prepare?size=${size}&case=${encodeURIComponent(key)}`);
    await call("run?n=3000");
    const inspector = await connect();
    try {
      await inspector.send("Profiler.enable");
      await inspector.send("Profiler.setSamplingInterval", { interval: 50 });
      await inspector.send("Profiler.start");
      const t = performance.now();
      await call(`run?n=${n}`);
      const wall = ((performance.now() - t) * 1000) / n;
      const { profile: cpu } = await inspector.send("Profiler.stop");
      let heap;
      if (values.heap || values.promoted) {
        await inspector.send("HeapProfiler.enable");
        await inspector.send("HeapProfiler.startSampling", {
          samplingInterval: 256,
          includeObjectsCollectedByMajorGC: true,
          includeObjectsCollectedByMinorGC: !values.promoted,
        });
        await call(`run?n=${n}`);
        heap = (await inspector.send("HeapProfiler.stopSampling")).profile;
      }
      return { cpu, heap, wall };
    } finally {
      inspector.close();
    }
  } finally {
    await mf.dispose();
  }
}

/** The inspector of the one isolate of the process, over its WebSocket. */
async function connect() {
  const [target] = await (await fetch(`http://127.0.0.1:${PORT}/json`)).json();
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.addEventListener("open", resolve);
    ws.addEventListener("error", reject);
  });
  let id = 0;
  const waiting = new Map();
  ws.addEventListener("message", (event) => {
    const message = JSON.parse(event.data);
    const done = waiting.get(message.id);
    if (!done) return;
    waiting.delete(message.id);
    if (message.error) done.reject(new Error(`${message.error.message} (${message.error.code})`));
    else done.resolve(message.result);
  });
  return {
    send: (method, params = {}) =>
      new Promise((resolve, reject) => {
        waiting.set(++id, { resolve, reject });
        ws.send(JSON.stringify({ id, method, params }));
      }),
    close: () => ws.close(),
  };
}

/** The part a module belongs to, for the first table. */
function partOf(module) {
  if (module.startsWith("edge-session")) return module.startsWith("edge-session 0.1/") ? "edge-session 0.1" : "edge-session";
  if (module.startsWith("jose/")) return "jose";
  if (module.startsWith("hono/")) return "Hono";
  if (module.startsWith("bench/") || module.includes("/bench/")) return "the bench's client and app";
  return module;
}

/** Self time per sampled node of a CPU profile, as (module, function) → microseconds per request. */
function cpuSelf(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const rows = [];
  for (const [id, us] of self) {
    const frame = byId.get(id).callFrame;
    const inBundle = frame.url.endsWith("isolates-worker.mjs");
    const module = inBundle ? moduleOf(frame.lineNumber) : "(native)";
    const name = frame.functionName || (inBundle ? "(anonymous)" : frame.url || "(program)");
    rows.push({ part: inBundle ? partOf(module) : `native: ${name}`, module, name, us: us / n });
  }
  return rows;
}

/** Bytes allocated per request, as (module, function) rows, from a sampling heap profile. */
function heapSelf(profile) {
  const rows = [];
  const walk = (node) => {
    const frame = node.callFrame;
    const inBundle = frame.url.endsWith("isolates-worker.mjs");
    const module = inBundle ? moduleOf(frame.lineNumber) : "(native)";
    rows.push({
      part: inBundle ? partOf(module) : `native: ${frame.functionName || "(root)"}`,
      module,
      name: frame.functionName || "(anonymous)",
      bytes: node.selfSize / n,
    });
    node.children.forEach(walk);
  };
  walk(profile.head);
  return rows;
}

function sum(rows, by, field) {
  const totals = new Map();
  for (const row of rows) totals.set(by(row), (totals.get(by(row)) ?? 0) + row[field]);
  return [...totals].sort((a, b) => b[1] - a[1]);
}

function render(key, cpu, heap, wall) {
  const rows = cpuSelf(cpu);
  const total = rows.reduce((t, row) => t + row.us, 0);
  const lines = [`## ${key}`, "", `${wall.toFixed(1)} us per request under the profiler (${total.toFixed(1)} us of samples).`, ""];
  lines.push("| part | us per request | share |", "|---|---:|---:|");
  for (const [part, us] of sum(rows, (r) => r.part, "us").slice(0, top))
    lines.push(`| ${part} | ${us.toFixed(2)} | ${((100 * us) / total).toFixed(1)}% |`);
  lines.push("", "Functions of edge-session and jose by self time:", "", "| function (module) | us per request |", "|---|---:|");
  const own = rows.filter((r) => r.part.startsWith("edge-session") || r.part === "jose");
  for (const [name, us] of sum(own, (r) => `${r.name} (${r.module})`, "us").slice(0, top)) lines.push(`| ${name} | ${us.toFixed(2)} |`);
  if (heap) {
    const allocations = heapSelf(heap);
    const bytes = allocations.reduce((t, row) => t + row.bytes, 0);
    const what = values.promoted ? "Outlived a minor collection" : "Allocated";
    lines.push("", `${what} per request: ${Math.round(bytes)} bytes.`, "", "| part | bytes per request |", "|---|---:|");
    for (const [part, b] of sum(allocations, (r) => r.part, "bytes").slice(0, top)) lines.push(`| ${part} | ${Math.round(b)} |`);
    lines.push("", "| function of edge-session (module) | bytes per request |", "|---|---:|");
    const ours = allocations.filter((r) => r.part.startsWith("edge-session"));
    for (const [name, b] of sum(ours, (r) => `${r.name} (${r.module})`, "bytes").slice(0, top))
      lines.push(`| ${name} | ${Math.round(b)} |`);
  }
  lines.push("");
  return lines.join("\n");
}

function log(message) {
  console.log(`[bench:profile ${new Date().toISOString().slice(11, 19)}] ${message}`);
}
