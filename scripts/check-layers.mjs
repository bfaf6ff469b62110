// Fails on any import in src/ from a lower layer to a higher one (type-only imports, `export ... from` and
// dynamic imports count). The order is scripts/layers.json, the one list of the architecture; the table of
// docs/contributing.md#architecture must be that list.
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/** The layer index of `file` (relative to `root`, "/"-separated): the longest entry that is it or a folder of it. */
export function layerOf(layers, file) {
  let best = { index: -1, length: -1 };
  layers.forEach((entries, index) => {
    for (const entry of entries) {
      if ((file === entry || file.startsWith(`${entry}/`)) && entry.length > best.length) best = { index, length: entry.length };
    }
  });
  return best.index;
}

/** Every relative module specifier of a TypeScript source: imports, `import type`, `export ... from`, `import()`. */
export function importsOf(source) {
  return ts
    .preProcessFile(source, true, true)
    .importedFiles.map((file) => file.fileName)
    .filter((name) => name.startsWith("."));
}

function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path);
    return /\.(ts|mts)$/.test(entry.name) ? [path] : [];
  });
}

/** The violations under `root`: one line per import from a lower layer up, or per file no layer names. */
export function checkLayers(root, layers) {
  const problems = [];
  for (const path of filesUnder(root).sort()) {
    const from = relative(root, path).split("\\").join("/");
    const fromLayer = layerOf(layers, from);
    if (fromLayer < 0) {
      problems.push(`${from}: in no layer of scripts/layers.json`);
      continue;
    }
    for (const specifier of importsOf(readFileSync(path, "utf8"))) {
      const target = relative(root, resolve(dirname(path), specifier))
        .split("\\")
        .join("/")
        .replace(/\.js$/, ".ts");
      const toLayer = layerOf(layers, target);
      if (toLayer > fromLayer) {
        problems.push(
          `${from}: imports "${specifier}" (layer ${toLayer}: ${layers[toLayer].join(", ")}) from layer ${fromLayer} (${layers[fromLayer].join(", ")})`,
        );
      }
    }
  }
  return problems;
}

/** The layers of the table under `## Architecture` in `markdown`: per row (`| 0 | \`core/errors.ts\`, ... |`), its entries. */
export function documentedLayers(markdown) {
  const section = markdown.split(/^## /m).find((part) => part.startsWith("Architecture\n")) ?? "";
  return [...section.matchAll(/^\| *\d+ *\| *([^|]+)\|/gm)].map(([, cell]) => [...cell.matchAll(/`([^`]+)`/g)].map(([, entry]) => entry));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const here = dirname(fileURLToPath(import.meta.url));
  const { layers } = JSON.parse(readFileSync(join(here, "layers.json"), "utf8"));
  const problems = checkLayers(join(here, "..", "src"), layers);
  const documented = documentedLayers(readFileSync(join(here, "..", "docs", "contributing.md"), "utf8"));
  if (JSON.stringify(documented) !== JSON.stringify(layers)) {
    problems.push(
      `docs/contributing.md#architecture: its table lists ${JSON.stringify(documented)}, not the layers of scripts/layers.json`,
    );
  }
  for (const problem of problems) console.error(problem);
  if (problems.length > 0) {
    console.error(`check-layers: ${problems.length} problem(s) with the layer order of scripts/layers.json`);
    process.exit(1);
  }
  console.log("check-layers: every import in src/ goes to its own layer or a lower one");
}
