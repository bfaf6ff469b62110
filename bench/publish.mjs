// `npm run bench:publish`: one run that writes every published figure. It measures, one after the other,
// the one-isolate-per-case figures (bench/isolates.mjs, primary), every scenario in a shared isolate
// (bench/run.mjs, secondary), this checkout against 0.1 in one isolate (bench/versus.mjs, secondary) and the
// bundle sizes (bench/size.mjs), then rewrites bench/RESULTS.md, bench/SIZE.md and the marked regions of
// README.md and docs/performance.md (bench/regions.mjs), each with the run's date, machine and method.
//
//   npm run bench:publish -- --short   at most 15 minutes on 2 shared cores (about 9 at load 10): 2 runs x 8
//                                      rounds x 300 requests, suite 3 rounds of 30 ms batches without the
//                                      revocation trace (counted, minutes under load) and Bun/Deno, versus 21 rounds
//   npm run bench:publish              full: 3 runs x 12 rounds x 600 (and 10 more runs of the POST pair behind the
//                                      CSRF rows), suite and versus defaults, Bun and Deno (~40 min)
//
// Isolates options (--runs, --rounds, --n, --sizes, --runtime, --only) override either setting.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { ISOLATES_ARGS, isolatesOptions, runIsolates } from "./isolates.mjs";
import { formatRatio, ratio, renderIsolates, RATIOS } from "./ratios.mjs";
import { replaceRegions, region, stamp } from "./regions.mjs";
import { measureSizes, writeSizeFile } from "./size.mjs";

const root = new URL("..", import.meta.url);
const { values } = parseArgs({ options: { short: { type: "boolean", default: false }, ...ISOLATES_ARGS } });
const short = values.short;
/** Runs of the POST pair beside the main run's (see below). */
const CSRF_RUNS = short ? 3 : 10;
const started = Date.now();
const log = (message) => console.log(`[bench:publish ${Math.round((Date.now() - started) / 1000)}s] ${message}`);

const isolates = isolatesOptions({ ...(short ? { runs: "2", rounds: "8", n: "300" } : {}), ...values });
const measurement = await runIsolates(isolates);
log("isolates done");
// The POST pair (the CSRF rows) is two apps of the same library a few percent apart, and one process's CPU time
// runs up to 10% above or below another's of the same app: more processes than the main run's, for those five
// cases alone, join its runs (as runs of their own), so the ratio's median rests on that many pairs of processes.
if (!values.only) {
  const more = await runIsolates({ ...isolates, runs: CSRF_RUNS, only: /POST/ });
  measurement.batches.push(...more.batches.map((b) => ({ ...b, run: b.run + isolates.runs })));
  measurement.method.csrfRuns = CSRF_RUNS;
  writeFileSync(new URL("out/isolates.json", import.meta.url), JSON.stringify(measurement));
  writeFileSync(new URL("out/ISOLATES.md", import.meta.url), renderIsolates(measurement));
  log(`CSRF pair, ${CSRF_RUNS} more runs, done`);
}
const node = (script, args) => execFileSync(process.execPath, [new URL(script, import.meta.url).pathname, ...args], { stdio: "inherit" });
const suiteArgs = short
  ? ["--rounds", "3", "--batch-ms", "30", "--only", "seal,round-trip,read-only,cookie-header,chunks,csrf,bytes,kv-ops"]
  : ["--only", "seal,round-trip,read-only,cookie-header,chunks,csrf,bytes,kv-ops,revocation-trace,runtimes"];
node("run.mjs", suiteArgs);
log("suite done");
node("versus.mjs", short ? ["--rounds", "21"] : []);
log("versus done");
const sizes = await measureSizes();
writeSizeFile(sizes, "bench:publish");
const sizeStamp = stamp("bench:publish");

const out = (file) => readFileSync(new URL(`out/${file}`, import.meta.url), "utf8");
const demote = (markdown) => markdown.replace(/^#/gm, "##");
const runStamp = stamp(`bench:publish${short ? " -- --short" : ""}`, new Date(started), measurement.machine.loadBefore);
writeFileSync(
  new URL("bench/RESULTS.md", root),
  "# edge-session benchmarks\n\n" +
    region(
      "results",
      `\nWritten by \`npm run bench:publish\` (bench/publish.mjs) from one run started ${runStamp}, load ${loadavg()[0].toFixed(1)} at its end; ` +
        `do not edit by hand. The first section is how users run the library (one app per isolate); the others time every ` +
        `scenario in one shared isolate per runtime, which suits comparing scenarios, not versions.\n\n` +
        `${renderIsolates(measurement)}\n${out("VERSUS.md")}\n${demote(out("SUITE.md"))}\n` +
        "The load test (`npm run test:load`, minutes under `wrangler dev`) is not part of this run: bench/LOAD.md keeps its last report.\n",
    ) +
    "\n",
);

// The README and docs/performance.md quote a few figures of the same run.
const [cookieOnly, rootEntry] = sizes;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const peer = (id, size, runtime = "workerd") => {
  const [, , a, b] = RATIOS.find(([name]) => name === id);
  return formatRatio(ratio(measurement, runtime, size, a, b));
};
const readmePeers =
  `\nRound trip of the README's app in workerd, 100 B / 1 KB session, CPU time, one isolate per app, ratios to edge-session ` +
  `(median, interquartile range): @hono/session ${peer("hono-session/current", 100)} / ${peer("hono-session/current", 1024)}, ` +
  `iron-session ${peer("iron-session/current", 100)} / ${peer("iron-session/current", 1024)}, ` +
  `hono-sessions ${peer("hono-sessions/current", 100)} / ${peer("hono-sessions/current", 1024)} ` +
  `(${runStamp}; details in bench/RESULTS.md).\n`;
const files = {
  "README.md": {
    "readme-peers": readmePeers,
    "readme-size": `${kb(cookieOnly.ours)} (minified) of edge-session instead of ${kb(rootEntry.ours)} (${sizeStamp})`,
  },
  "docs/performance.md": { isolates: `\n${renderIsolates(measurement)}\nStamp: ${runStamp}.\n` },
};
for (const [file, bodies] of Object.entries(files)) {
  const url = new URL(file, root);
  writeFileSync(url, replaceRegions(readFileSync(url, "utf8"), bodies, file));
}
log(`wrote bench/RESULTS.md, bench/SIZE.md, README.md, docs/performance.md (${cpus().length} cores, load ${loadavg()[0].toFixed(1)})`);
