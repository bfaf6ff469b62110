// The API reference (docs/reference/, Markdown generated from the JSDoc by typedoc) must match the source:
// regenerate it into a temporary folder and compare. `npm run docs:reference` rewrites docs/reference/.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const committed = join(root, "docs/reference");
const fresh = mkdtempSync(join(tmpdir(), "edge-session-reference-"));
try {
  execFileSync("npx", ["typedoc", "--out", fresh, "--logLevel", "Warn"], { cwd: root, stdio: "inherit" });
  const files = (dir) =>
    readdirSync(dir, { recursive: true })
      .filter((f) => statSync(join(dir, f)).isFile())
      .sort();
  const want = files(fresh);
  const have = files(committed);
  const differ = [...new Set([...want, ...have])].filter((f) => {
    try {
      return readFileSync(join(fresh, f), "utf8") !== readFileSync(join(committed, f), "utf8");
    } catch {
      return true; // missing on one side
    }
  });
  if (differ.length) {
    console.error(
      `check-reference: docs/reference is out of date (${differ.slice(0, 5).join(", ")}${differ.length > 5 ? ", ..." : ""}): run \`npm run docs:reference\``,
    );
    process.exit(1);
  }
  console.log(`check-reference: ${want.length} files of ${relative(root, committed)} match the source`);
} finally {
  rmSync(fresh, { recursive: true, force: true });
}
