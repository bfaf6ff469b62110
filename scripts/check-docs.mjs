// Every TypeScript code block of the README, the guides and the demo's README is type-checked: each block is
// written to docs/.snippets/ as a module of its own and compiled against the library's source (the package
// name resolves to src/ through tsconfig paths). Names a fragment uses without defining (an `app`, an `env`,
// your `checkPassword`) are declared once in docs/snippets.d.ts. Run by `npm test`.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const out = join(root, "docs/.snippets");
const documents = [
  "README.md",
  "examples/bank/README.md",
  ...readdirSync(join(root, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
  ...readdirSync(join(root, "docs/frameworks"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/frameworks/${f}`),
];

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
let count = 0;
for (const document of documents) {
  const text = readFileSync(join(root, document), "utf8");
  const fence = /^```ts\n([\s\S]*?)^```$/gm;
  for (let match, n = 1; (match = fence.exec(text)); n++) {
    const line = text.slice(0, match.index).split("\n").length + 1;
    // A file of the README's minimal project (`<!-- consumer:src/index.ts -->` before the fence, as
    // scripts/consumer.mjs reads it) keeps its path, so its siblings' imports resolve as in the project.
    const file = /<!-- consumer:(\S+\.ts) -->\n+$/.exec(text.slice(0, match.index))?.[1];
    const name = file ? join(`${document.replace(/[/.]/g, "_")}_project`, file) : `${document.replace(/[/.]/g, "_")}_${n}.ts`;
    mkdirSync(join(out, name, ".."), { recursive: true });
    // A marker comment points tsc's messages back to the document and line.
    writeFileSync(join(out, name), `// ${document}:${line}\n${match[1]}\nexport {};\n`);
    count++;
  }
}
try {
  execFileSync("npx", ["tsc", "--noEmit", "-p", join(root, "docs/tsconfig.json")], { cwd: root, stdio: "inherit" });
} catch {
  console.error(`check-docs: a code sample does not compile (see docs/.snippets/, first line of each file: where it comes from)`);
  process.exit(1);
}
console.log(`check-docs: ${count} code samples from ${documents.length} documents compile (${relative(root, out)})`);
