// `node bench/schema.mjs`: what a schema costs per request, side by side with no schema (Node; CPU time of this
// process, process.cpuUsage()). Rounds alternate the cases (rotated, reversed every other round); each figure
// is the median over rounds of microseconds per request. Separate from bench/run.mjs on purpose (its harness
// is being rewritten): prints a Markdown section for bench/RESULTS.md.
import { build } from "esbuild";
import { cpus, loadavg } from "node:os";

const ROUNDS = Number(process.env.ROUNDS ?? 15);
const BATCH = Number(process.env.BATCH ?? 400);
const outfile = new URL("out/schema.mjs", import.meta.url).pathname;
await build({
  entryPoints: [new URL("schema.ts", import.meta.url).pathname],
  outfile,
  bundle: true,
  format: "esm",
  platform: "node",
  logLevel: "error",
});
const { SCHEMAS, client } = await import(outfile);

const cases = [];
for (const [name, options] of Object.entries(SCHEMAS)) {
  const c = await client(options);
  if ((await c.inc()) !== "2") throw new Error(`${name}: the round trip does not carry the session`);
  cases.push({ name: `round trip, schema: ${name}`, run: c.inc });
  cases.push({ name: `untouched route, schema: ${name}`, run: c.untouched });
}
const loadBefore = loadavg()[0];
const samples = new Map(cases.map((c) => [c.name, []]));
for (const c of cases) for (let i = 0; i < BATCH; i++) await c.run(); // warm-up
for (let round = 0; round < ROUNDS; round++) {
  const order = cases.map((_, k) => cases[(k + round) % cases.length]);
  if (round % 2) order.reverse();
  for (const c of order) {
    const start = process.cpuUsage();
    for (let i = 0; i < BATCH; i++) await c.run();
    const used = process.cpuUsage(start);
    samples.get(c.name).push((used.user + used.system) / BATCH);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const figure = Object.fromEntries([...samples].map(([name, xs]) => [name, median(xs)]));
const lines = [
  `## Schema (bench/schema.mjs)`,
  ``,
  `- Date: ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC; ${cpus()[0]?.model ?? "?"}, ${cpus().length} cores; 1-min load average ${loadBefore.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after`,
  `- Runtime: Node ${process.version}. Method: Hono \`app.request()\` with the previous response's cookie, a 100-byte session; ${ROUNDS} rounds of ${BATCH} requests per case, cases alternating (rotated each round, reversed every other); CPU time of this process (\`process.cpuUsage()\`) per request, median over rounds. Schemas: \`{ count?: number, user?: string, note?: string }\` in valibot and in zod 4.`,
  ``,
  `| case | CPU per request | vs no schema |`,
  `|---|---|---|`,
];
for (const c of cases) {
  const base = figure[c.name.replace(/schema: \w+$/, "schema: none")];
  lines.push(`| ${c.name} | ${figure[c.name].toFixed(1)} us | ${(figure[c.name] / base).toFixed(2)}x |`);
}
console.log(lines.join("\n"));
