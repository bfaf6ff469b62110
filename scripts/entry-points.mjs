// The package's entry points, written once: package.json's `exports`. Everything else that lists them reads
// them from here or is checked against them:
// - `node scripts/entry-points.mjs` prints their TypeScript sources (the cycle check, `npm run check:cycles`);
// - jsr.json's `exports` (scripts/check-jsr.mjs);
// - `node scripts/entry-points.mjs --check` (npm test): typedoc.json's `entryPoints` are the sources the root
//   tsconfig compiles, i.e. all but the browser module (DOM types, its own tsconfig; not in the reference).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = fileURLToPath(new URL("..", import.meta.url));
const read = (name) => JSON.parse(readFileSync(new URL(`../${name}`, import.meta.url), "utf8"));

/**
 * Each entry point of `pkg.exports` (package.json's by default) but `./package.json`: its subpath and the
 * source its dist/ file is built from (`./dist/kv/index.js` from `./src/kv/index.ts`).
 */
export function entryPoints(pkg = read("package.json")) {
  return Object.entries(pkg.exports)
    .filter(([, target]) => typeof target === "object")
    .map(([subpath, target]) => ({ subpath, source: target.import.replace(/^\.\/dist\//, "./src/").replace(/\.js$/, ".ts") }));
}

/** The sources the root tsconfig leaves out (`exclude`), which typedoc (through tsconfig.build.json) does not see. */
function excludedByTsconfig(source) {
  const { config } = ts.readConfigFile(`${root}/tsconfig.json`, ts.sys.readFile);
  return config.exclude.some((folder) => source.startsWith(`./${folder}/`));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const sources = entryPoints().map(({ source }) => source);
  if (process.argv.includes("--check")) {
    const documented = sources.filter((source) => !excludedByTsconfig(source)).map((source) => source.slice(2));
    const listed = read("typedoc.json").entryPoints;
    if (JSON.stringify(listed) !== JSON.stringify(documented)) {
      console.error(`entry-points: typedoc.json's entryPoints differ from package.json's exports; expected ${JSON.stringify(documented)}`);
      process.exit(1);
    }
    console.log(`entry-points: typedoc.json documents package.json's ${documented.length} entry points built for Workers`);
  } else {
    console.log(sources.map((source) => source.slice(2)).join(" "));
  }
}
