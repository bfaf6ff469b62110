// @ts-check
/**
 * What scripts/consumer.mjs checks over real HTTP on the README's app, under wrangler dev and on Node: the
 * visit count, the cookie's attributes, a tampered cookie, a missing secret. Cookies are carried by hand,
 * as a browser on http://127.0.0.1 does (it keeps Secure cookies there).
 */
import assert from "node:assert/strict";

const NAME = "__Host-session";

/** GET / with an optional Cookie header: the body, the status and the session's Set-Cookie (if any). */
async function visit(base, cookie) {
  const response = await fetch(`${base}/`, { headers: cookie ? { Cookie: cookie } : {}, signal: AbortSignal.timeout(15_000) });
  const setCookie = response.headers.getSetCookie().find((value) => value.startsWith(`${NAME}=`));
  return { status: response.status, body: await response.text(), setCookie };
}

/** The `name=value` part of a Set-Cookie, what the next request sends. */
const pair = (setCookie) => setCookie.split(";")[0];

/** Visits 1, 2, 3 on one cookie; its attributes; a cookie with one character changed opens a fresh session. */
export async function checkSessions(base) {
  let cookie;
  for (const n of [1, 2, 3]) {
    const { status, body, setCookie } = await visit(base, cookie);
    assert.equal(status, 200, `visit ${n}: status`);
    assert.equal(body, `visit ${n}`);
    assert.ok(setCookie, `visit ${n}: no ${NAME} cookie set`);
    const attributes = setCookie.split(";").map((a) => a.trim().toLowerCase());
    for (const attribute of ["secure", "httponly", "samesite=lax", "path=/"])
      assert.ok(attributes.includes(attribute), `${setCookie}: no ${attribute}`);
    assert.ok(!attributes.some((a) => a.startsWith("domain=")), `${setCookie}: a __Host- cookie has no Domain`);
    cookie = pair(setCookie);
  }
  const value = cookie.slice(NAME.length + 1);
  const middle = Math.floor(value.length / 2);
  const tampered = `${NAME}=${value.slice(0, middle)}${value[middle] === "A" ? "B" : "A"}${value.slice(middle + 1)}`;
  const fresh = await visit(base, tampered);
  assert.equal(fresh.status, 200, "a tampered cookie: status");
  assert.equal(fresh.body, "visit 1", "a tampered cookie opens a fresh session");
  assert.ok(fresh.setCookie && pair(fresh.setCookie) !== tampered, "a tampered cookie is replaced");
}

/**
 * Without the secret: a 500, and the server's output (`output()`, what it printed so far, the request that
 * found it up included) has a line about the secret within 10 s; neither shows `secret`, the value the
 * other runs used.
 */
export async function checkMissingSecret(base, output, secret) {
  const { status, body } = await visit(base);
  assert.equal(status, 500, "no secret: status");
  assert.ok(!body.includes(secret), "no secret: the response shows a secret");
  // The library's message names the binding the README's secret function reads.
  const named = /the current secret \(env\.SESSION_SECRET\) is undefined/;
  for (const deadline = Date.now() + 10_000; !named.test(output()) && Date.now() < deadline;)
    await new Promise((resolve) => setTimeout(resolve, 100));
  assert.match(output(), named, `no log line names the missing secret; the output:\n${output()}`);
  assert.ok(!output().includes(secret), "the output shows a secret");
}
