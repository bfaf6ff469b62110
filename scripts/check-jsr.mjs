// npm test: the JSR package (jsr.json) matches the npm one and passes `deno publish --dry-run`.
// - version: the same as package.json's;
// - exports: the same entry points as package.json's, each mapped to the TypeScript source its dist/ file
//   is built from;
// - the dry run (Deno from node_modules): the file list, the specifiers JSR rewrites (sloppy `.js` imports of
//   `.ts` files, `jose`/`hono` from package.json) and no slow types in the public API. It runs with
//   --no-check: Deno would type-check every entry point in one program, and the browser entry's DOM types
//   clash with the Workers types of the others (tsc checks each with its own tsconfig in `npm run typecheck`);
// - Deno's own check of the browser entry (edge-session/idle-warning/browser) with the DOM types, as a Deno
//   or JSR user compiles it.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { entryPoints } from "./entry-points.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const read = (name) => JSON.parse(readFileSync(new URL(`../${name}`, import.meta.url), "utf8"));
const pkg = read("package.json");
const jsr = read("jsr.json");
const problems = [];

if (jsr.version !== pkg.version) problems.push(`jsr.json version ${jsr.version} is not package.json's ${pkg.version}`);
const expected = Object.fromEntries(entryPoints(pkg).map(({ subpath, source }) => [subpath, source]));
if (JSON.stringify(jsr.exports) !== JSON.stringify(expected)) {
  problems.push(`jsr.json exports differ from package.json's; expected ${JSON.stringify(expected, null, 2)}`);
}
if (problems.length > 0) {
  for (const problem of problems) console.error(`jsr: ${problem}`);
  process.exit(1);
}

const deno = fileURLToPath(new URL("../node_modules/.bin/deno", import.meta.url));
function run(args) {
  try {
    execFileSync(deno, args, { cwd: root, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  } catch (error) {
    console.error(`jsr: deno ${args.join(" ")} failed:\n${error.stderr ?? error.message}`);
    process.exit(1);
  }
}
run(["publish", "--dry-run", "--no-check", "--sloppy-imports", "--allow-dirty", "--quiet"]);
const scratch = mkdtempSync(join(tmpdir(), "check-jsr-"));
try {
  const config = join(scratch, "deno.json");
  const compilerOptions = {
    lib: ["esnext", "dom", "dom.iterable"],
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
  };
  writeFileSync(config, JSON.stringify({ compilerOptions }));
  run(["check", "--config", config, "--sloppy-imports", "--quiet", jsr.exports["./idle-warning/browser"]]);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
console.log(
  `jsr: ok (${jsr.name}@${jsr.version}, ${Object.keys(jsr.exports).length} entry points, deno publish --dry-run, deno check of the browser entry)`,
);
