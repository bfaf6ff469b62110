// @ts-check
/**
 * What this example checks beyond the shared scenario (test/frameworks-http/scenario.mjs), run after it by
 * scripts/test-frameworks.mjs: that the routes the shared scenario used were answered by middleware.ts on
 * Next's edge runtime (its `EdgeRuntime` global), not by Node.
 */
import assert from "node:assert/strict";

/** @param {string} base */
export async function runScenario(base) {
  const t0 = performance.now();
  const response = await fetch(new URL("/count", base), { signal: AbortSignal.timeout(15_000) });
  await response.body?.cancel();
  assert.equal(response.status, 200, "GET /count: status");
  assert.equal(response.headers.get("X-Example-Runtime"), "edge", "GET /count was not answered on the edge runtime");
  return [{ step: "middleware.ts answered on the edge runtime", ms: performance.now() - t0 }];
}
