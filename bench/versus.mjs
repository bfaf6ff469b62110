// `npm run bench:versus [-- <git ref>] [--rounds N]`: this checkout's edge-session against an older commit
// (default 141a9bd, version 0.1) in ONE workerd isolate, so both see the same machine at the same moment.
// Each contender's round trip (bench/contenders.ts of its own commit: read a counter, increment, write back,
// cookie carried) runs in batches alternated round by round; the figure is the CPU time of the workerd
// process per request (/proc schedstat), median over rounds. A full `npm run bench` times each version in its
// own run, minutes apart, on a shared machine whose speed drifts by 20-30%: too coarse to see 5%.
// A secondary view: users run one app per isolate, which bench/isolates.mjs measures; sharing one isolate
// (and its JIT, caches and garbage collector) hid a 22% gap there (issue 26). Each version runs its own
// commit's contender: this checkout's reads the secret from `c.env` through a function, 0.1's bench passed a
// constant. Writes bench/out/VERSUS.md, which `npm run bench:publish` quotes in bench/RESULTS.md.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { loadavg, tmpdir, cpus } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";
import * as miniflare from "miniflare";
import { childPids, median, processCpuMs } from "./process-cpu.mjs";

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: "string", default: "61" }, batch: { type: "string", default: "300" } },
});
const ref = positionals[0] ?? "141a9bd";
const rounds = Number(args.rounds);
const batch = Number(args.batch);
const root = fileURLToPath(new URL("..", import.meta.url));
const out = path.join(root, "bench/out");

// The older commit, checked out beside this one (it shares node_modules: hono, jose and the peers it benches).
const older = mkdtempSync(path.join(tmpdir(), "edge-session-versus-"));
execFileSync("git", ["worktree", "add", "--detach", "--force", older, ref], { cwd: root, stdio: "ignore" });
const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: older }).toString().trim();
try {
  symlinkSync(path.join(root, "node_modules"), path.join(older, "node_modules"));
  for (const file of ["bench/contenders.ts", "bench/client.ts", "bench/payloads.ts"]) {
    if (!existsSync(path.join(older, file))) throw new Error(`${ref} has no ${file}: it cannot be benched this way`);
  }
  const worker = path.join(out, "versus-worker.mjs");
  await build({
    stdin: { contents: workerSource(older, root), resolveDir: root, loader: "ts" },
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    conditions: ["workerd", "worker", "browser"],
    external: ["cloudflare:workers"],
    outfile: worker,
    logLevel: "warning",
  });
  const medians = await timeInWorkerd(worker);
  const markdown = render(medians);
  mkdirSync(out, { recursive: true });
  writeFileSync(new URL("out/VERSUS.md", import.meta.url), markdown);
  console.log(markdown);
} finally {
  execFileSync("git", ["worktree", "remove", "--force", older], { cwd: root, stdio: "ignore" });
  rmSync(older, { recursive: true, force: true });
}

/** One Worker holding both versions' contenders: `?case=<label>&n=<requests>` runs a batch of one of them. */
function workerSource(olderDir, thisDir) {
  return `
import * as olderContenders from ${JSON.stringify(path.join(olderDir, "bench/contenders.ts"))};
import * as olderClient from ${JSON.stringify(path.join(olderDir, "bench/client.ts"))};
import { ROUND_TRIP_PAYLOADS } from ${JSON.stringify(path.join(thisDir, "bench/payloads.ts"))};
import * as contenders from ${JSON.stringify(path.join(thisDir, "bench/contenders.ts"))};
import * as client from ${JSON.stringify(path.join(thisDir, "bench/client.ts"))};
const clients = new Map();
async function prepare() {
  for (const { label, data } of ROUND_TRIP_PAYLOADS) {
    clients.set("older " + label, await olderClient.clientWithSession(olderContenders.edgeSession, data));
    clients.set("this " + label, await client.clientWithSession(contenders.edgeSession, data));
    clients.set("floor " + label, await client.clientWithSession(contenders.floor, data));
  }
}
export default {
  async fetch(request) {
    if (!clients.size) await prepare();
    const url = new URL(request.url);
    if (url.pathname === "/cases") return Response.json([...clients.keys()]);
    const c = clients.get(url.searchParams.get("case"));
    for (let i = Number(url.searchParams.get("n")); i > 0; i--) {
      const res = await c.get("/inc");
      if (res.status !== 200) return new Response("status " + res.status, { status: 500 });
      await res.arrayBuffer();
    }
    return new Response(null, { status: 204 });
  },
};`;
}

async function timeInWorkerd(scriptPath) {
  const workerd = createRequire(import.meta.resolve("miniflare"))("workerd");
  const options = { modules: true, scriptPath, compatibilityDate: workerd.compatibilityDate, cf: false };
  const mf = new miniflare.Miniflare(miniflare.convertV4MiniflareOptions?.(options) ?? options);
  try {
    await mf.ready;
    const call = async (query) => {
      const res = await mf.dispatchFetch(`http://versus.local/${query}`);
      if (!res.ok) throw new Error(`workerd: ${await res.text()}`);
      return res.status === 204 ? undefined : res.json();
    };
    const cases = await call("cases");
    const cpu = processCpuMs(childPids("workerd"));
    if (!cpu) throw new Error("no workerd process to time (Linux /proc needed)");
    for (const name of cases) await call(`run?case=${encodeURIComponent(name)}&n=${batch / 4}`); // warm-up
    const samples = new Map(cases.map((name) => [name, []]));
    for (let round = 0; round < rounds; round++) {
      for (const name of round % 2 ? [...cases].reverse() : cases) {
        const before = cpu();
        await call(`run?case=${encodeURIComponent(name)}&n=${batch}`);
        samples.get(name).push(((cpu() - before) * 1000) / batch);
      }
    }
    return new Map([...samples].map(([name, values]) => [name, median(values)]));
  } finally {
    await mf.dispose();
  }
}

function render(medians) {
  const labels = [...new Set([...medians.keys()].map((name) => name.replace(/^\S+ /, "")))];
  const us = (n) => `${n.toFixed(1)} us`;
  const lines = [
    "## Secondary view: against an older commit in ONE shared isolate (`npm run bench:versus`)",
    "",
    `Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC on ${cpus()[0]?.model ?? "?"} (load ${loadavg()[0].toFixed(2)}), against ${commit}${ref === commit ? "" : ` (\`${ref}\`)`}. ` +
      `Both versions in one workerd isolate (not how users run an app: see the one-isolate-per-case figures), each with its own commit's bench contender ` +
      `(this checkout: secret from \`c.env\` through a function; older commits' benches: often a constant secret), ` +
      `${rounds} rounds of ${batch} round trips each, alternated; CPU of the workerd process per request, median.`,
    "",
    "| session | floor | older | this checkout | this / older | older / floor | this / floor |",
    "|---|---:|---:|---:|---:|---:|---:|",
  ];
  for (const label of labels) {
    const [floor, old, now] = ["floor", "older", "this"].map((who) => medians.get(`${who} ${label}`));
    lines.push(
      `| ${label} | ${us(floor)} | ${us(old)} | ${us(now)} | ${(now / old).toFixed(3)}x | ${(old / floor).toFixed(2)}x | ${(now / floor).toFixed(2)}x |`,
    );
  }
  return lines.join("\n") + "\n";
}
