// scripts/check-layers.mjs on throwaway source trees (node --test, run by npm test; `npm run check:layers`
// runs it on src/).
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { checkLayers, documentedLayers, layerOf } from "../../scripts/check-layers.mjs";

const roots = [];
after(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

const LAYERS = [["base/errors.ts"], ["base"], ["store"], ["app.ts"]];

/** A source tree of `files` (path under src/ -> text) in a new temporary folder: its src/ path. */
function tree(files) {
  const root = join(mkdtempSync(join(tmpdir(), "layers-")), "src");
  roots.push(dirname(root));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const legal = {
  "base/errors.ts": "export class E extends Error {}\n",
  "base/thing.ts": 'import { E } from "./errors.js";\nexport const thing = E;\n',
  "store/store.ts": 'import type { E } from "../base/errors.js";\nexport { thing } from "../base/thing.js";\nexport type S = E;\n',
  "app.ts": 'import { thing } from "./store/store.js";\nexport const app = thing;\n',
};

describe("check-layers", () => {
  it("names the layer of a file by the longest entry that holds it", () => {
    assert.equal(layerOf(LAYERS, "base/errors.ts"), 0);
    assert.equal(layerOf(LAYERS, "base/thing.ts"), 1);
    assert.equal(layerOf(LAYERS, "store/deep/file.ts"), 2);
    assert.equal(layerOf(LAYERS, "app.ts"), 3);
    assert.equal(layerOf(LAYERS, "baseline.ts"), -1);
  });

  it("passes imports to the same layer or a lower one", () => {
    assert.deepEqual(checkLayers(tree(legal), LAYERS), []);
  });

  for (const [kind, line] of [
    ["an import", 'import { S } from "../store/store.js";'],
    ["a type-only import", 'import type { S } from "../store/store.js";'],
    ["an inline type import", 'import { type S } from "../store/store.js";'],
    ["a re-export", 'export { S } from "../store/store.js";'],
    ["a star re-export", 'export * from "../store/store.js";'],
    ["a dynamic import", 'export const later = () => import("../store/store.js");'],
    ["an import type expression", 'export type Later = import("../store/store.js").S;'],
  ]) {
    it(`fails on ${kind} from a lower layer up, naming the file and the import`, () => {
      const problems = checkLayers(tree({ ...legal, "base/thing.ts": `${line}\nexport const thing = 1;\n` }), LAYERS);
      assert.equal(problems.length, 1, problems.join("\n"));
      assert.match(problems[0], /^base\/thing\.ts: imports "\.\.\/store\/store\.js" \(layer 2: store\) from layer 1 \(base\)/);
    });
  }

  it("fails on a file inside a folder of a lower layer importing its own folder's higher file", () => {
    const problems = checkLayers(
      tree({ ...legal, "base/errors.ts": 'import { thing } from "./thing.js";\nexport const e = thing;\n' }),
      LAYERS,
    );
    assert.deepEqual(problems.length, 1);
    assert.match(problems[0], /^base\/errors\.ts: imports "\.\/thing\.js"/);
  });

  it("fails on a file no layer names", () => {
    assert.deepEqual(checkLayers(tree({ ...legal, "extra/new.ts": "export const x = 1;\n" }), LAYERS), [
      "extra/new.ts: in no layer of scripts/layers.json",
    ]);
  });

  it("reads the layers of the architecture table, and only of that section", () => {
    const markdown = [
      "## Architecture",
      "",
      "| layer | entries | what |",
      "| --- | --- | --- |",
      "| 0 | `base/errors.ts` | errors |",
      "| 1 | `base`, `store` | the rest, `not/an/entry` here |",
      "",
      "## Tests",
      "",
      "| 2 | `other` | not a layer |",
    ].join("\n");
    assert.deepEqual(documentedLayers(markdown), [["base/errors.ts"], ["base", "store"]]);
  });
});
