// @ts-check
/**
 * The one HTTP scenario every framework example (examples/<fw>/, run by scripts/test-frameworks.mjs) passes,
 * against its production server: the visit counter, login with regenerate, idle expiry through the test-only
 * clock route, logout, a tampered cookie. Each example answers the same JSON routes: `GET /count` ->
 * `{ visits }`, `POST /login` (form field or JSON `user`) -> `{ user }`, `GET /me` -> `{ user, ended }`,
 * `POST /logout` -> `{ ok: true }`, and `POST /__clock?advance=<seconds>` (only with EXAMPLE_TEST_CLOCK=1).
 * Cookies are carried by a tiny jar, as a browser on http://127.0.0.1 does (it keeps Secure cookies there).
 */
import assert from "node:assert/strict";

/** The cookies a browser would send next: Set-Cookie lines applied in order, expired ones removed. */
export class CookieJar {
  /** @type {Map<string, string>} */
  #cookies;

  /** @param {Iterable<[string, string]>} [entries] */
  constructor(entries = []) {
    this.#cookies = new Map(entries);
  }

  /** A copy as it is now: what an attacker who copied the cookies would hold. */
  copy() {
    return new CookieJar(this.#cookies);
  }

  /** @param {Response} response */
  store(response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair = "", ...attributes] = line.split(";");
      const name = pair.slice(0, pair.indexOf("=")).trim();
      const value = pair.slice(pair.indexOf("=") + 1).trim();
      const expired = attributes.some((attribute) => {
        const [key = "", setting = ""] = attribute.split("=").map((part) => part.trim().toLowerCase());
        return (key === "max-age" && Number(setting) <= 0) || (key === "expires" && Date.parse(setting) <= Date.now());
      });
      if (expired) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  /** @param {string} name */
  get(name) {
    return this.#cookies.get(name);
  }

  names() {
    return [...this.#cookies.keys()];
  }

  /**
   * @param {string} name
   * @param {string} value
   */
  set(name, value) {
    this.#cookies.set(name, value);
  }

  header() {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }
}

/**
 * One request with the jar's cookies (the jar then takes the response's): the status and the JSON body. A
 * response that sets a cookie must not be cacheable by a shared cache (`Cache-Control` `no-store` or `private`).
 * @param {string} base
 * @param {string} method
 * @param {string} path
 * @param {CookieJar} jar
 * @param {{ form?: Record<string, string>, json?: unknown }} [body]
 */
async function call(base, method, path, jar, body = {}) {
  /** @type {Record<string, string>} */
  const headers = { Accept: "application/json" };
  const cookie = jar.header();
  if (cookie) headers.Cookie = cookie;
  // As a browser sends it on every POST: SvelteKit's and Astro's CSRF checks refuse a cross-site form post.
  if (method !== "GET") headers.Origin = new URL(base).origin;
  let payload;
  if (body.form) payload = new URLSearchParams(body.form);
  else if (body.json !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body.json);
  }
  const response = await fetch(new URL(path, base), {
    method,
    headers,
    body: payload,
    redirect: "manual",
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  assert.ok(response.status < 500, `${method} ${path}: status ${response.status}: ${text.slice(0, 500)}`);
  if (response.headers.getSetCookie().length > 0)
    assert.match(
      response.headers.get("Cache-Control") ?? "",
      /\b(no-store|private)\b/i,
      `${method} ${path} sets a cookie but may be cached: Cache-Control ${response.headers.get("Cache-Control")}`,
    );
  jar.store(response);
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    assert.fail(`${method} ${path}: status ${response.status}, not JSON: ${text.slice(0, 500)}`);
  }
  return { status: response.status, json };
}

/**
 * @param {string} base
 * @param {CookieJar} jar
 */
const me = async (base, jar) => (await call(base, "GET", "/me", jar)).json;

/**
 * The one cookie whose value differs between two jars (the session cookie, after a write).
 * @param {CookieJar} before
 * @param {CookieJar} after
 */
function changedCookie(before, after) {
  const changed = after.names().filter((name) => after.get(name) !== before.get(name));
  assert.ok(changed.length > 0, `no cookie changed (cookies: ${after.names().join(", ") || "none"})`);
  return changed;
}

/** @type {[string, (base: string) => Promise<void>][]} */
const steps = [
  [
    "visit counter: 1, 2, 3 with the cookie, 1 again without it",
    async (base) => {
      const jar = new CookieJar();
      for (const visits of [1, 2, 3]) {
        const { status, json } = await call(base, "GET", "/count", jar);
        assert.equal(status, 200);
        assert.deepEqual(json, { visits }, `visit ${visits}`);
        assert.ok(jar.names().length > 0, `visit ${visits}: no cookie set`);
      }
      assert.deepEqual((await call(base, "GET", "/count", new CookieJar())).json, { visits: 1 }, "without a cookie");
    },
  ],
  [
    "login regenerates: a new cookie value, the old cookie has no user, every route sees the user",
    async (base) => {
      const jar = new CookieJar();
      await call(base, "GET", "/count", jar);
      const before = jar.copy();
      const login = await call(base, "POST", "/login", jar, { form: { user: "alice" } });
      assert.equal(login.status, 200);
      assert.deepEqual(login.json, { user: "alice" });
      changedCookie(before, jar);
      assert.deepEqual(await me(base, jar), { user: "alice", ended: null }, "after login");
      assert.equal((await me(base, before)).user, null, "the cookie from before login carries the user");
      // Every route shares one session: the counter goes on from before login, and the user stays.
      assert.deepEqual((await call(base, "GET", "/count", jar)).json, { visits: 2 }, "the counter after login");
      assert.deepEqual(await me(base, jar), { user: "alice", ended: null }, "after /count");
    },
  ],
  [
    "idle expiry: 61 s later /me has no user and the reason idle",
    async (base) => {
      const jar = new CookieJar();
      await call(base, "POST", "/login", jar, { json: { user: "carol" } });
      assert.equal((await me(base, jar)).user, "carol", "after login (JSON)");
      const clock = await call(base, "POST", "/__clock?advance=61", new CookieJar());
      assert.equal(clock.status, 200, "POST /__clock (EXAMPLE_TEST_CLOCK=1)");
      assert.deepEqual(await me(base, jar), { user: null, ended: "idle" }, "61 s idle");
    },
  ],
  [
    "logout: no user afterwards, the cookie copied before logout opens nothing",
    async (base) => {
      const jar = new CookieJar();
      await call(base, "POST", "/login", jar, { form: { user: "bob" } });
      assert.equal((await me(base, jar)).user, "bob", "after login");
      const copied = jar.copy();
      const logout = await call(base, "POST", "/logout", jar);
      assert.equal(logout.status, 200);
      assert.deepEqual(logout.json, { ok: true });
      assert.equal((await me(base, jar)).user, null, "after logout");
      assert.equal((await me(base, copied)).user, null, "the cookie copied before logout still opens the session");
    },
  ],
  [
    "a tampered cookie (one character changed) opens a fresh session, never a 500",
    async (base) => {
      const jar = new CookieJar();
      await call(base, "POST", "/login", jar, { form: { user: "dave" } });
      await call(base, "GET", "/count", jar);
      const tampered = jar.copy();
      const [name = ""] = changedCookie(new CookieJar(), jar);
      const value = jar.get(name) ?? "";
      const middle = Math.floor(value.length / 2);
      tampered.set(name, `${value.slice(0, middle)}${value[middle] === "A" ? "B" : "A"}${value.slice(middle + 1)}`);
      const { status, json } = await call(base, "GET", "/count", tampered);
      assert.equal(status, 200, "a tampered cookie: status");
      assert.deepEqual(json, { visits: 1 }, "a tampered cookie opens a fresh session");
      assert.equal((await me(base, tampered)).user, null, "a tampered cookie carries the user");
    },
  ],
];

/**
 * Runs every step against the example at `base` (e.g. `http://127.0.0.1:4321`), in order; throws on the first
 * failure, naming the step. Resolves with each step's name and time in ms.
 * @param {string} base
 */
export async function runScenario(base) {
  /** @type {{ step: string, ms: number }[]} */
  const timings = [];
  for (const [step, run] of steps) {
    const t0 = performance.now();
    try {
      await run(base);
    } catch (error) {
      throw new Error(`${step}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    timings.push({ step, ms: performance.now() - t0 });
  }
  return timings;
}

/**
 * Started without EXAMPLE_TEST_CLOCK=1, the example has no clock route: `POST /__clock` is a 404 (a movable
 * clock in production would let anyone stretch every session's timeouts).
 * @param {string} base
 */
export async function checkClockClosed(base) {
  const response = await fetch(new URL("/__clock?advance=61", base), {
    method: "POST",
    headers: { Origin: new URL(base).origin }, // as a browser sends it (else Astro answers 403 before routing)
    signal: AbortSignal.timeout(15_000),
  });
  await response.body?.cancel();
  assert.equal(response.status, 404, "without EXAMPLE_TEST_CLOCK=1, POST /__clock: status");
}
