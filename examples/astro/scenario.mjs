// @ts-check
/**
 * What this example checks beyond the shared scenario (test/frameworks-http/scenario.mjs), run after it by
 * scripts/test-frameworks.mjs: a cookie a page sets through `Astro.cookies` reaches the browser beside the
 * session's, although the middleware answers with a copy of the page's response.
 */
import assert from "node:assert/strict";

/** @param {string} base */
export async function runScenario(base) {
  const t0 = performance.now();
  const response = await fetch(new URL("/?theme=dark", base), { signal: AbortSignal.timeout(15_000) });
  const html = await response.text();
  assert.equal(response.status, 200, `GET /: status ${response.status}: ${html.slice(0, 500)}`);
  assert.match(html, /Visits: 1\b/, "the page read and changed the session");
  const names = response.headers.getSetCookie().map((line) => line.slice(0, line.indexOf("=")));
  assert.deepEqual(names.sort(), ["__Host-session", "theme"], "the session's cookie and Astro.cookies' both sent");
  assert.match(response.headers.get("Cache-Control") ?? "", /\bno-store\b/, "a page that sets cookies is not cached");
  return [{ step: "Astro.cookies beside the session's cookie on a page", ms: performance.now() - t0 }];
}
