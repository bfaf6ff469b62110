// The report of bench/isolates.mjs: per-round ratios (two cases' batches of the same round of the same run),
// their median and interquartile range over every round of every run, and the spread of per-run medians.

const RT = "round trip";
const key = (contender, variant = RT) => `${contender} @ ${variant}`;
const CURRENT = key("edge-session (this build)");
const V01 = key("edge-session 0.1 (141a9bd)");
const FLOOR = key("floor (raw AES-GCM)");
const JOSE_FLOOR = key("jose floor (compact JWE)");
const BASE_FREE = key("no session (baseline)", "untouched");

/** The ratios every report and published figure quotes: [id, label, numerator, denominator]. */
export const RATIOS = [
  ["current/v01", "this build / 0.1 (141a9bd)", CURRENT, V01],
  ["current/floor", "this build / floor (bench/floor.ts)", CURRENT, FLOOR],
  ["v01/floor", "0.1 / floor", V01, FLOOR],
  // The floor ratio in two factors: what jose's compact JWE costs over raw Web Crypto, and what this build adds to it.
  ["jose-floor/floor", "jose floor (the floor's middleware sealing with jose) / floor", JOSE_FLOOR, FLOOR],
  ["current/jose-floor", "this build / jose floor", CURRENT, JOSE_FLOOR],
  ["hono-session/current", "@hono/session / this build", key("@hono/session"), CURRENT],
  ["iron-session/current", "iron-session / this build", key("iron-session"), CURRENT],
  ["hono-sessions/current", "hono-sessions / this build", key("hono-sessions"), CURRENT],
  ["untouched/current", "untouched route, this build / no middleware", key("edge-session (this build)", "untouched"), BASE_FREE],
  ["untouched/v01", "untouched route, 0.1 / no middleware", key("edge-session 0.1 (141a9bd)", "untouched"), BASE_FREE],
  [
    "csrf",
    "POST + CSRF token + setLimits / the same POST without them",
    key("edge-session, POST + CSRF token + setLimits"),
    key("edge-session, POST, same session without them"),
  ],
  // The two halves of the line above, to tell which costs what.
  [
    "csrf-token",
    "POST + CSRF token only / the same POST without",
    key("edge-session, POST + CSRF token only"),
    key("edge-session, POST, same session without them"),
  ],
  [
    "csrf-limits",
    "POST + setLimits only / the same POST without",
    key("edge-session, POST + setLimits only"),
    key("edge-session, POST, same session without them"),
  ],
  // The token's line in two factors: the work a token needs, written plainly (bench/csrf-floor.ts), and what edge-session adds.
  [
    "csrf-floor",
    "POST + CSRF floor (the work alone, bench/csrf-floor.ts) / the same POST without",
    key("edge-session, POST + CSRF floor (bench/csrf-floor.ts)"),
    key("edge-session, POST, same session without them"),
  ],
  [
    "csrf-token/floor",
    "POST + CSRF token only / POST + CSRF floor",
    key("edge-session, POST + CSRF token only"),
    key("edge-session, POST + CSRF floor (bench/csrf-floor.ts)"),
  ],
];

export function quantile(values, p) {
  const s = [...values].sort((a, b) => a - b);
  const i = (s.length - 1) * p;
  const lo = Math.floor(i);
  return s[lo] + (s[Math.ceil(i)] - s[lo]) * (i - lo);
}

/** Runs of one runtime and size: run -> key -> batch figures (or refusal). */
function byRun(measurement, runtime, size) {
  const runs = new Map();
  for (const b of measurement.batches) {
    if (b.runtime !== runtime || b.size !== size) continue;
    if (!runs.has(b.run)) runs.set(b.run, new Map());
    runs.get(b.run).set(b.key, b);
  }
  return [...runs.values()];
}

/** Median (IQR) of per-round ratios a/b, the per-run medians' range, or why there is none. */
export function ratio(measurement, runtime, size, a, b) {
  const all = [];
  const perRun = [];
  for (const run of byRun(measurement, runtime, size)) {
    const x = run.get(a);
    const y = run.get(b);
    if (x?.refused || y?.refused) return { refused: (x?.refused ? a : b).split(" @ ")[0] };
    if (!x?.us || !y?.us) continue;
    const r = x.us.map((v, i) => v / y.us[i]);
    all.push(...r);
    perRun.push(quantile(r, 0.5));
  }
  if (!all.length) return undefined;
  const diffs = [];
  for (const run of byRun(measurement, runtime, size)) {
    const x = run.get(a)?.us;
    const y = run.get(b)?.us;
    if (x && y) diffs.push(...x.map((v, i) => v - y[i]));
  }
  return {
    median: quantile(all, 0.5),
    lo: quantile(all, 0.25),
    hi: quantile(all, 0.75),
    runMin: Math.min(...perRun),
    runMax: Math.max(...perRun),
    diffUs: quantile(diffs, 0.5),
    rounds: all.length,
  };
}

const f2 = (x) => x.toFixed(2);
/** "1.22 (1.13-1.32)", or "refuses" / "-". */
export function formatRatio(r) {
  if (!r) return "-";
  if (r.refused) return `${r.refused} refuses`;
  return `${f2(r.median)} (${f2(r.lo)}-${f2(r.hi)})`;
}

/** The line every published figure carries: when, on what, and how. */
export function methodLine(measurement) {
  const { date, machine, method } = measurement;
  return (
    `Measured ${date} on ${machine.cores} cores (${machine.cpu}), load ${machine.loadBefore.toFixed(1)} before and ` +
    `${machine.loadAfter.toFixed(1)} after, by \`npm run bench:isolates\`: the README's app (\`edge-session/cookie\`, secret from ` +
    `\`c.env\` through a function), one isolate per case (workerd ${method.workerd}: one process each, its CPU time; Node ` +
    `${method.node}: one worker thread each, wall time), ${method.runs} run(s) x ${method.rounds} interleaved rounds x ` +
    `${method.n} requests${method.csrfRuns ? ` (the POST cases of the CSRF rows (with and without tokens, setLimits, the CSRF floor): ${method.runs + method.csrfRuns} runs, ${method.csrfRuns} of them alone)` : ""}; ` +
    `ratios per round, median (interquartile range).`
  );
}

const RUNTIMES = [
  ["workerd", "workerd, CPU time of each case's process"],
  ["node", "Node 22, wall time of each case's thread"],
];

/** bench/out/ISOLATES.md: every ratio, per runtime and size, and each case's cost per request. */
export function renderIsolates(measurement) {
  const { sizes } = measurement.method;
  const lines = ["## One isolate per case (`npm run bench:isolates`)", "", methodLine(measurement), ""];
  for (const [runtime, title] of RUNTIMES) {
    if (!measurement.batches.some((b) => b.runtime === runtime)) continue;
    lines.push(`### ${title}`, "", `| ratio | ${sizes.map((s) => `${s} B`).join(" | ")} |`, `|---|${sizes.map(() => "---").join("|")}|`);
    for (const [, label, a, b] of RATIOS) {
      lines.push(`| ${label} | ${sizes.map((s) => formatRatio(ratio(measurement, runtime, s, a, b))).join(" | ")} |`);
    }
    const spread = sizes.map((s) => ratio(measurement, runtime, s, CURRENT, V01));
    lines.push(
      "",
      `Per-run medians of this build / 0.1 (lowest-highest run): ${spread.map((r, i) => (r && !r.refused ? `${sizes[i]} B ${f2(r.runMin)}-${f2(r.runMax)}` : `${sizes[i]} B -`)).join(", ")}. ` +
        `Untouched route, extra cost over no middleware (median per round): ${sizes
          .map((s) => ratio(measurement, runtime, s, key("edge-session (this build)", "untouched"), BASE_FREE))
          .map((r, i) => (r && !r.refused ? `${sizes[i]} B ${r.diffUs < 0 ? "" : "+"}${r.diffUs.toFixed(1)} us` : `${sizes[i]} B -`))
          .join(", ")}.`,
      "",
      `| case (us per request, median of all rounds) | ${sizes.map((s) => `${s} B`).join(" | ")} |`,
      `|---|${sizes.map(() => "---").join("|")}|`,
    );
    const keys = [...new Set(measurement.batches.filter((b) => b.runtime === runtime).map((b) => b.key))];
    for (const k of keys) {
      const cells = sizes.map((s) => {
        const mine = measurement.batches.filter((b) => b.runtime === runtime && b.size === s && b.key === k);
        if (mine.some((b) => b.refused)) return "refuses";
        const us = mine.flatMap((b) => b.us ?? []);
        return us.length ? quantile(us, 0.5).toFixed(1) : "-";
      });
      lines.push(`| ${k} | ${cells.join(" | ")} |`);
    }
    lines.push("");
  }
  return lines.join("\n");
}
