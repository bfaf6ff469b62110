// npm test: the runtime versions the docs quote are the ones CI tests. The lockfile (the `node`, `bun`,
// `deno`, `edge-runtime`, `workerd` and `wrangler` dev dependencies) and wrangler.toml's compatibility date
// are the source; docs/support.md states the policy, and the README and the runtime matrix
// (docs/runtimes.md) quote the same versions. A version bump in package.json fails here until they follow.
import { readFileSync } from "node:fs";

const read = (name) => readFileSync(new URL(`../${name}`, import.meta.url), "utf8");
const lock = JSON.parse(read("package-lock.json")).packages;
const version = (name) => lock[`node_modules/${name}`]?.version;
const compatibilityDate = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(read("wrangler.toml"))?.[1];
const engines = JSON.parse(read("package.json")).engines?.node;

// [label as the docs write it before the version, tested version, files that must quote it, other versions
// quoted on purpose]
const everywhere = ["README.md", "docs/runtimes.md", "docs/support.md"];
const quoted = [
  ["workerd", version("workerd"), everywhere],
  // 20.20.2: the oldest supported Node, tested by hand; 18.20.8: where the runtimes guide shows Node 18 failing.
  ["Node", version("node"), everywhere, ["20.20.2", "18.20.8"]],
  ["Bun", version("bun"), everywhere],
  ["Deno", version("deno"), everywhere],
  ["edge-runtime`?", version("edge-runtime"), everywhere],
  // 4.86.0: the last wrangler that installs on Node 20, in the README's table and tested by `npm run test:consumer`.
  ["wrangler", version("wrangler"), ["docs/support.md"], ["4.86.0"]],
];
const problems = [];
for (const [label, tested, files, also = []] of quoted) {
  if (!tested) {
    problems.push(`no ${label} in package-lock.json`);
    continue;
  }
  for (const file of files) {
    const found = [...read(file).matchAll(new RegExp(`\\b${label} (\\d+\\.\\d+\\.\\d+)`, "g"))].map((m) => m[1]);
    if (found.length === 0) problems.push(`${file} does not quote ${label} ${tested}`);
    for (const other of found.filter((v) => v !== tested && !also.includes(v)))
      problems.push(`${file} quotes ${label} ${other}; the lockfile has ${tested}`);
  }
}
for (const file of ["README.md", "docs/support.md"]) {
  if (!compatibilityDate || !read(file).includes(compatibilityDate)) {
    problems.push(`${file} does not quote wrangler.toml's compatibility_date ${compatibilityDate}`);
  }
}
if (!read("docs/support.md").includes(`\`${engines}\``)) problems.push(`docs/support.md does not quote engines.node \`${engines}\``);
if (problems.length > 0) {
  for (const problem of problems) console.error(`support: ${problem}`);
  process.exit(1);
}
console.log("support: ok (README, docs/runtimes.md and docs/support.md quote the tested versions)");
