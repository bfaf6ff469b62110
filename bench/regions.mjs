// Published figures live only in marked regions that bench scripts write:
//   <!-- bench:NAME --> ... <!-- /bench:NAME -->
// `npm run bench:publish` rewrites them from one run; scripts/check-figures.mjs (in `npm test`) fails when a
// region lacks its stamp (date, machine, method) or when a figure stands outside every region.
import { cpus, loadavg } from "node:os";

/** The files whose figures are published; bench:publish and the check both read this list. */
export const FIGURE_FILES = ["README.md", "docs/performance.md", "docs/api.md", "bench/RESULTS.md", "bench/SIZE.md"];

const REGION = /<!-- bench:([\w-]+) -->([\s\S]*?)<!-- \/bench:\1 -->/g;

/** What a measured figure looks like: us, ratios with decimals or ranges, KB with decimals, req/s. */
const FIGURE = /\d+(?:\.\d+)?\s?(?:us|µs)\b|\d+\.\d+\s?(?:ms|KB|kB|x)\b|\d+(?:\.\d+)?x-\d|\d+(?:\.\d+)?\s?req\/s/;

/** The stamp every region carries: when (UTC), on what (cores, load) and how (the `npm run` command). */
const STAMP = [/\d{4}-\d\d-\d\d \d\d:\d\d UTC/, /\d+ cores/, /load \d/, /`npm run [\w:-]+/];

/** A stamp for figures measured now by `command`. */
export function stamp(command, when = new Date(), load = loadavg()[0]) {
  return `${when.toISOString().slice(0, 16).replace("T", " ")} UTC, ${cpus().length} cores, load ${load.toFixed(1)}, \`npm run ${command}\``;
}

/** Wraps generated text in a region. */
export function region(name, body) {
  return `<!-- bench:${name} -->${body}<!-- /bench:${name} -->`;
}

/** The text with the named regions' bodies replaced; a name with no region in the text is an error. */
export function replaceRegions(text, bodies, file) {
  const seen = new Set();
  const result = text.replace(REGION, (whole, name) => {
    if (!(name in bodies)) return whole;
    seen.add(name);
    return region(name, bodies[name]);
  });
  const missing = Object.keys(bodies).filter((name) => !seen.has(name));
  if (missing.length) throw new Error(`${file}: no region ${missing.join(", ")}`);
  return result;
}

/** Problems with a file's figures: unstamped regions, figures outside regions. Empty when all is well. */
export function figureProblems(text, file) {
  const problems = [];
  for (const [, name, body] of text.matchAll(REGION)) {
    const absent = STAMP.filter((re) => !re.test(body));
    if (absent.length)
      problems.push(`${file}: region bench:${name} has no ${absent.map((re) => re.source).join(", ")} (date, cores, load, command)`);
  }
  const outside = text.replace(REGION, "");
  if (/<!-- \/?bench:/.test(outside)) problems.push(`${file}: an unclosed or mismatched bench region`);
  outside.split("\n").forEach((line, i) => {
    const found = line.match(FIGURE);
    if (found)
      problems.push(`${file}: figure "${found[0]}" outside a bench region (line ${i + 1} outside regions): ${line.trim().slice(0, 100)}`);
  });
  return problems;
}
