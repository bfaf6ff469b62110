// The rule scripts/check-figures.mjs applies to README, docs and bench/*.md (node --test, run by npm test).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { figureProblems, region, replaceRegions } from "../../bench/regions.mjs";

const STAMPED = "1.22 (1.13-1.32). Measured 2026-12-06 15:40 UTC, 2 cores, load 3.1, `npm run bench:isolates`.";

describe("published figures", () => {
  it("accepts a figure inside a stamped region", () => {
    assert.deepEqual(figureProblems(`Speed: ${region("speed", STAMPED)} and prose.\n`, "a.md"), []);
  });
  it("refuses a figure typed outside every region", () => {
    const problems = figureProblems(`${region("speed", STAMPED)}\nedge-session is 1.45x the floor.\n`, "a.md");
    assert.equal(problems.length, 1);
    assert.match(problems[0], /figure "1.45x" outside/);
  });
  it("refuses microseconds, KB and req/s outside regions, not limits and options", () => {
    for (const text of ["123 us per request", "bundles 33.1 KB", "286 req/s", "1.5x-2.0x"])
      assert.equal(figureProblems(text, "a.md").length, 1, text);
    for (const text of ["`storeTimeout` 5000 ms", "at most 4 KB", "a 4096-byte cookie", "3 chunks"])
      assert.deepEqual(figureProblems(text, "a.md"), [], text);
  });
  it("refuses a region without its date, machine or command", () => {
    const problems = figureProblems(region("speed", "1.22 (1.13-1.32), measured today"), "a.md");
    assert.equal(problems.length, 1);
    assert.match(problems[0], /region bench:speed has no/);
  });
  it("refuses an unclosed region", () => {
    assert.match(figureProblems(`<!-- bench:speed -->${STAMPED}`, "a.md")[0] ?? "", /unclosed/);
  });
  it("rewrites only the named regions and reports a missing one", () => {
    const text = `${region("a", "old")} ${region("b", "kept")}`;
    assert.equal(replaceRegions(text, { a: "new" }, "a.md"), `${region("a", "new")} ${region("b", "kept")}`);
    assert.throws(() => replaceRegions(text, { c: "x" }, "a.md"), /no region c/);
  });
});
