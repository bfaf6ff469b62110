// @ts-check
/**
 * What this example checks beyond the shared scenario (test/frameworks-http/scenario.mjs), run after it by
 * scripts/test-frameworks.mjs: the page's forms posted to their server actions the way a browser without
 * JavaScript posts them (multipart, the action's `$ACTION_ID_` field, the page's own Origin). Login through
 * `sessions.run(await cookies(), ...)` sets the session's cookie on the action's response; logout through the
 * other form ends it, for a copy of the cookie taken before as well.
 */
import assert from "node:assert/strict";
import { CookieJar } from "../../test/frameworks-http/scenario.mjs";

/**
 * The page at `/` with the jar's cookies: its HTML and the one form's action field.
 * @param {string} base
 * @param {CookieJar} jar
 */
async function page(base, jar) {
  const response = await fetch(new URL("/", base), { headers: { Cookie: jar.header() }, signal: AbortSignal.timeout(15_000) });
  const html = await response.text();
  assert.equal(response.status, 200, `GET /: status ${response.status}: ${html.slice(0, 500)}`);
  const action = /name="(\$ACTION_ID_[0-9a-f]+)"/.exec(html)?.[1];
  assert.ok(action, `GET /: no server action field in the page: ${html.slice(0, 500)}`);
  return { html, action };
}

/**
 * Posts the page's form as a browser without JavaScript does; the jar takes the response's cookies.
 * @param {string} base
 * @param {CookieJar} jar
 * @param {string} action
 * @param {Record<string, string>} fields
 */
async function post(base, jar, action, fields) {
  const form = new FormData();
  form.set(action, "");
  for (const [name, value] of Object.entries(fields)) form.set(name, value);
  const response = await fetch(new URL("/", base), {
    method: "POST",
    headers: { Cookie: jar.header(), Origin: new URL(base).origin, Accept: "text/html" },
    body: form,
    redirect: "manual",
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  assert.ok(response.status < 400, `POST / (${action}): status ${response.status}: ${text.slice(0, 500)}`);
  const set = response.headers.getSetCookie();
  assert.ok(set.length > 0, `POST / (${action}): the action set no cookie`);
  assert.match(
    response.headers.get("Cache-Control") ?? "",
    /\b(no-store|private)\b/i,
    "an action's response that sets a cookie is not cached",
  );
  jar.store(response);
  return set;
}

/** @param {CookieJar} jar @param {string} base */
const me = async (base, jar) =>
  /** @type {{ user: string | null, ended: string | null }} */ (
    await (await fetch(new URL("/me", base), { headers: { Cookie: jar.header() }, signal: AbortSignal.timeout(15_000) })).json()
  );

/** @param {string} base */
export async function runScenario(base) {
  const t0 = performance.now();
  const jar = new CookieJar();
  const login = await page(base, jar);
  assert.match(login.html, /placeholder="Your name"/, "the signed-out page shows the login form");
  await post(base, jar, login.action, { user: "carol" });
  assert.equal((await me(base, jar)).user, "carol", "the login action's cookie opens the session");
  const signedIn = await page(base, jar);
  assert.match(signedIn.html, /Signed in as (<!-- -->)?carol/, "the server component reads the session");
  const copied = jar.copy();
  const lines = await post(base, jar, signedIn.action, {});
  assert.ok(
    lines.some((line) => /;\s*Max-Age=0/i.test(line)),
    `the logout action expires the cookie: ${lines.join(" | ")}`,
  );
  assert.equal((await me(base, jar)).user, null, "signed out after the logout action");
  assert.equal((await me(base, copied)).user, null, "a copy of the cookie taken before logout opens nothing");
  return [{ step: "login and logout through the page's forms (server actions, no JavaScript)", ms: performance.now() - t0 }];
}
