/**
 * Issue 27 item 2: CSRF tokens bound to the session, in every mode, through Hono and sessionEngine. A token
 * is masked per call, verifies only for its own session, and stops verifying once the session is
 * regenerated or destroyed.
 */
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { Hono } from "hono";
import { describe, expect, it, vi } from "vitest";
import { maskToken, tokenMatches } from "../src/core/csrf.js";
import {
  createKeyring,
  csrfChecker,
  DurableObjectStore,
  MemoryStore,
  requireCsrfToken,
  session,
  SessionConfigError,
  SessionCsrfError,
  sessionEngine,
  withSession,
  type SessionOptions,
  type SessionVariables,
} from "../src/index.js";
import { d1Store } from "./d1-helpers.js";
import { cookieJar, OLD_SECRET, SECRET, testClock, type Data } from "./helpers.js";
import { ifRedis, redisStore } from "./redis-helpers.js";
import { kvStore } from "./stores.js";

const MODES: [string, Partial<SessionOptions>, number][] = [
  ["cookie mode", {}, 0],
  ["cookie mode with chunks", { cookie: { chunks: 3 } }, 6000],
  ["cookie mode with overflow (KV), pointer", { overflow: kvStore() }, 6000],
  ["cookie mode with revocation checks", { revocation: { namespace: env.SESSION_OBJECTS } }, 0],
  ["server-side mode (KV store)", { store: kvStore() }, 0],
  ["server-side mode (MemoryStore)", { store: new MemoryStore() }, 0],
  ["server-side mode (D1 store)", { store: d1Store() }, 0],
  ...ifRedis<[string, Partial<SessionOptions>, number]>(["server-side mode (Redis store)", { store: redisStore() }, 0]),
  ["server-side mode (Durable Object store)", { store: new DurableObjectStore(env.SESSION_OBJECTS) }, 0],
];

const ORIGIN = "http://localhost";
type Jar = ReturnType<typeof cookieJar>;

function bankApp(options: Partial<SessionOptions>, big = 0) {
  const app = new Hono<{ Variables: SessionVariables<Data> }>();
  app.use(session<Data>({ secret: SECRET, idleTimeout: 3600, ...options }));
  app.use("/account/*", requireCsrfToken());
  app.post("/login", async (c) => {
    const s = await c.var.session.load();
    s.regenerate();
    s.set("user", "ada");
    if (big) s.set("big", "x".repeat(big));
    return c.text("in");
  });
  app.post("/logout", (c) => {
    c.var.session.destroy();
    return c.text("out");
  });
  app.get("/account/form", async (c) => c.text(await c.var.session.csrfToken()));
  app.post("/account/transfer", (c) => c.text("sent"));
  return app;
}

async function call(
  app: Hono<any>,
  path: string,
  j: Jar,
  init: { method?: string; headers?: Record<string, string>; body?: BodyInit } = {},
) {
  const res = await app.request(`${ORIGIN}${path}`, {
    method: init.method ?? "POST",
    headers: { ...j.header(), ...init.headers },
    body: init.body ?? null,
  });
  j.take(res);
  return res;
}

const tokenOf = async (app: Hono<any>, j: Jar) => (await call(app, "/account/form", j, { method: "GET" })).text();
const form = (fields: Record<string, string>) => ({
  "Content-Type": "application/x-www-form-urlencoded",
  body: new URLSearchParams(fields).toString(),
});

async function transfer(app: Hono<any>, j: Jar, headers: Record<string, string> = {}, body?: BodyInit) {
  const res = await call(app, "/account/transfer", j, { headers, ...(body === undefined ? {} : { body }) });
  return { status: res.status, body: res.status === 403 ? await res.json() : await res.text(), cache: res.headers.get("Cache-Control") };
}

describe.each(MODES)("CSRF tokens: %s", (_name, mode, big) => {
  it("a token from the session's page passes in the header or the form field; each call masks it afresh", async () => {
    const app = bankApp({ ...mode, now: testClock().now }, big);
    const user = cookieJar();
    await call(app, "/login", user);
    const [a, b] = [await tokenOf(app, user), await tokenOf(app, user)];
    expect(a).not.toBe(b);
    expect(await transfer(app, user, { "X-CSRF-Token": a })).toMatchObject({ status: 200, body: "sent" });
    const { body, ...type } = form({ _csrf: b });
    expect(await transfer(app, user, type, body)).toMatchObject({ status: 200, body: "sent" });
  });

  it("refuses a missing, a wrong and another session's token with 403 JSON, never cached", async () => {
    const app = bankApp({ ...mode, now: testClock().now }, big);
    const [user, other] = [cookieJar(), cookieJar()];
    await call(app, "/login", user);
    await call(app, "/login", other);
    expect(await transfer(app, user)).toEqual({ status: 403, body: { code: "CSRF", reason: "missing" }, cache: "no-store" });
    expect(await transfer(app, user, { "X-CSRF-Token": "A".repeat(86) })).toMatchObject({ status: 403, body: { reason: "invalid" } });
    expect(await transfer(app, user, { "X-CSRF-Token": await tokenOf(app, other) })).toMatchObject({
      status: 403,
      body: { reason: "invalid" },
    });
  });

  it("a token from before regenerate() or logout no longer verifies (replay)", async () => {
    const app = bankApp({ ...mode, now: testClock().now }, big);
    const user = cookieJar();
    await call(app, "/login", user);
    const before = await tokenOf(app, user);
    await call(app, "/login", user); // regenerates
    expect(await transfer(app, user, { "X-CSRF-Token": before })).toMatchObject({ status: 403, body: { reason: "invalid" } });
    const current = await tokenOf(app, user);
    await call(app, "/logout", user);
    await call(app, "/login", user);
    expect(await transfer(app, user, { "X-CSRF-Token": current })).toMatchObject({ status: 403, body: { reason: "invalid" } });
    expect((await transfer(app, user, { "X-CSRF-Token": await tokenOf(app, user) })).status).toBe(200);
  });

  it("a cross-site form post is refused even with the session's token", async () => {
    const app = bankApp({ ...mode, now: testClock().now }, big);
    const user = cookieJar();
    await call(app, "/login", user);
    const { body, ...type } = form({ _csrf: await tokenOf(app, user) });
    expect(await transfer(app, user, { ...type, Origin: "https://evil.example", "Sec-Fetch-Site": "cross-site" }, body)).toMatchObject({
      status: 403,
      body: { code: "CSRF", reason: "cross-site" },
    });
  });
});

describe("requireCsrfToken", () => {
  it("lets safe methods through and refuses a request with no session", async () => {
    const app = bankApp({});
    const nobody = cookieJar();
    expect((await call(app, "/account/form", nobody, { method: "GET" })).status).toBe(200);
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
      expect(
        (await call(app, "/account/transfer", nobody, { method, headers: { "X-CSRF-Token": await tokenOf(app, nobody) } })).status,
      ).toBe(403);
    }
  });

  it("onRefused: 'throw' throws SessionCsrfError (default response 403, no-store, no token in it)", async () => {
    const app = new Hono<{ Variables: SessionVariables<Data> }>();
    app.use(session<Data>({ secret: SECRET }));
    app.post("/t", requireCsrfToken({ onRefused: "throw", header: "X-Token" }), (c) => c.text("sent"));
    const res = await app.request(`${ORIGIN}/t`, { method: "POST", headers: { "X-Token": "forged" } });
    expect(res.status).toBe(403);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    expect(await res.text()).toBe("Forbidden");
    const error = new SessionCsrfError("invalid");
    expect([error.code, error.reason, error.status]).toEqual(["CSRF", "invalid", 403]);
  });

  it("onRefused: 'throw' reaches app.onError with the reason, refused at once (cross-site) or after the token's check", async () => {
    const app = new Hono<{ Variables: SessionVariables<Data> }>();
    app.use(session<Data>({ secret: SECRET }));
    app.post("/t", requireCsrfToken({ onRefused: "throw" }), (c) => c.text("sent"));
    app.onError((error) => new Response(error instanceof SessionCsrfError ? `refused: ${error.reason}` : "other", { status: 418 }));
    const post = async (headers: Record<string, string>) => {
      const res = await app.request(`${ORIGIN}/t`, { method: "POST", headers });
      return `${res.status} ${await res.text()}`;
    };
    expect(await post({ Origin: "https://evil.example", "Sec-Fetch-Site": "cross-site" })).toBe("418 refused: cross-site");
    expect(await post({ "X-CSRF-Token": "A".repeat(86) })).toBe("418 refused: invalid");
    expect(await post({})).toBe("418 refused: missing");
  });

  it("a token minted after regenerate() in the request that verified one is the new session's, not the old one's", async () => {
    const app = bankApp({ now: testClock().now });
    app.post("/account/rotate", async (c) => {
      c.var.session.regenerate(); // loaded by requireCsrfToken, whose check knows the old id's secrets
      return c.text(await c.var.session.csrfToken());
    });
    const user = cookieJar();
    await call(app, "/login", user);
    const old = await tokenOf(app, user);
    const res = await call(app, "/account/rotate", user, { headers: { "X-CSRF-Token": old } });
    expect(res.status).toBe(200);
    const fresh = await res.text();
    expect(await transfer(app, user, { "X-CSRF-Token": old })).toMatchObject({ status: 403, body: { reason: "invalid" } });
    expect(await transfer(app, user, { "X-CSRF-Token": fresh })).toMatchObject({ status: 200, body: "sent" });
  });

  it("refuses unknown and wrong options", () => {
    expect(() => requireCsrfToken({ headr: "x" } as never)).toThrow(/unknown option "headr"/);
    expect(() => requireCsrfToken({ header: "bad header" })).toThrow(SessionConfigError);
    expect(() => requireCsrfToken({ field: "" })).toThrow(SessionConfigError);
    expect(() => requireCsrfToken({ onRefused: "redirect" as never })).toThrow(SessionConfigError);
    expect(() => requireCsrfToken({ origin: "https://a.example/path" })).toThrow(/requireCsrfToken\(\{ origin \}\)/);
  });

  it("a malformed form body is a missing token, not a crash", async () => {
    const app = bankApp({});
    const user = cookieJar();
    await call(app, "/login", user);
    const res = await transfer(app, user, { "Content-Type": "multipart/form-data; boundary=x" }, "not multipart");
    expect(res).toMatchObject({ status: 403, body: { reason: "missing" } });
  });
});

describe("CSRF tokens with sessionEngine (no Hono)", () => {
  it("csrfChecker and the session's token work through withSession", async () => {
    const sessions = sessionEngine<{ user: string }, null>({ secret: SECRET });
    const check = csrfChecker();
    const user = cookieJar();
    const run = async (request: Request) => {
      const res = await withSession(sessions, request, null, async (s) => {
        const url = new URL(request.url);
        if (url.pathname === "/login") s.set("user", "ada");
        if (url.pathname === "/token") return new Response(await s.csrfToken());
        const refused = await check(request, s);
        return refused ? new SessionCsrfError(refused).getResponse() : new Response("ok");
      });
      user.take(res);
      return res;
    };
    await run(new Request(`${ORIGIN}/login`, { headers: user.header() }));
    const token = await (await run(new Request(`${ORIGIN}/token`, { headers: user.header() }))).text();
    expect((await run(new Request(`${ORIGIN}/pay`, { method: "POST", headers: user.header() }))).status).toBe(403);
    expect((await run(new Request(`${ORIGIN}/pay`, { method: "POST", headers: { ...user.header(), "X-CSRF-Token": token } }))).status).toBe(
      200,
    );
  });

  it("a token made under a previous secret verifies while that secret is listed", async () => {
    const clock = testClock();
    const before = bankApp({ secret: OLD_SECRET, now: clock.now });
    const after = bankApp({ secret: [SECRET, OLD_SECRET], now: clock.now });
    const user = cookieJar();
    await call(before, "/login", user);
    const token = await tokenOf(before, user);
    expect((await transfer(after, user, { "X-CSRF-Token": token })).status).toBe(200);
    expect((await transfer(bankApp({ secret: SECRET, now: clock.now }), user, { "X-CSRF-Token": token })).status).toBe(403);
  });
});

describe("CSRF token math (property)", () => {
  it("a token verifies for its own session's secret and never for another session's", async () => {
    const keys = await createKeyring(SECRET);
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^[\w-]{22,64}$/), fc.stringMatching(/^[\w-]{22,64}$/), async (id, other) => {
        fc.pre(id !== other);
        const token = maskToken((await keys.csrfSecrets(id))[0]!);
        expect(tokenMatches(token, await keys.csrfSecrets(id))).toBe(true);
        expect(tokenMatches(token, await keys.csrfSecrets(other))).toBe(false);
      }),
      { seed: 20261206, numRuns: 100 },
    );
  });

  it("masks never repeat: 1000 tokens (many refills of the mask pool) are distinct, none reuses a mask, all verify", async () => {
    const secrets = await (await createKeyring(SECRET)).csrfSecrets("a".repeat(22));
    const tokens = Array.from({ length: 1000 }, () => maskToken(secrets[0]!));
    const masks = new Set(tokens.map((token) => token.slice(0, 42)));
    expect(masks.size).toBe(1000);
    expect(tokens.every((token) => tokenMatches(token, secrets))).toBe(true);
  });

  it("anything that is not a well-formed token is refused without throwing", async () => {
    const secrets = await (await createKeyring(SECRET)).csrfSecrets("a".repeat(22));
    await fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[\w-]{86}$/), fc.anything()), (token) => {
        expect(tokenMatches(token, secrets)).toBe(false);
      }),
      { seed: 20261206, numRuns: 200 },
    );
  });
  it("a valid token with any one character spelled outside base64url (space, padding, +, /, %) is refused", async () => {
    const secrets = await (await createKeyring(SECRET)).csrfSecrets("a".repeat(22));
    const token = maskToken(secrets[0]!);
    expect(tokenMatches(token, secrets)).toBe(true);
    for (const at of [0, 1, 42, 84, 85]) {
      for (const bad of [" ", "\n", "=", "+", "/", "%", "."]) {
        expect(tokenMatches(token.slice(0, at) + bad + token.slice(at + 1), secrets)).toBe(false);
      }
    }
    // Whitespace or padding in place of characters (the decoder would skip them): fewer bytes, refused.
    expect(tokenMatches(`${token.slice(0, 84)}==`, secrets)).toBe(false);
    expect(tokenMatches(` ${token.slice(1)}`, secrets)).toBe(false);
  });

  it("a token has one spelling: its last character with any of the 4 spare bits set is refused", async () => {
    const secrets = await (await createKeyring(SECRET)).csrfSecrets("a".repeat(22));
    const digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const token = maskToken(secrets[0]!);
    const last = digits.indexOf(token[85]!);
    expect(last & 15).toBe(0);
    for (let spare = 1; spare < 16; spare++) expect(tokenMatches(token.slice(0, 85) + digits[last | spare], secrets)).toBe(false);
    expect(tokenMatches(token.slice(0, 85) + digits[last], secrets)).toBe(true);
  });
});

describe("the keyring's CSRF secrets", () => {
  it("are computed once per id for the last 1000 ids (a user's next request pays no HMAC), then forgotten oldest first", async () => {
    const keys = await createKeyring([SECRET, OLD_SECRET]);
    await keys.csrfSecrets("warm-up-id-0123456789ab"); // derives the CSRF keys
    const sign = vi.spyOn(crypto.subtle, "sign");
    try {
      const first = await keys.csrfSecrets("first-id-0123456789abcd");
      expect(first).toHaveLength(2); // current and previous secret
      expect(await keys.csrfSecrets("first-id-0123456789abcd")).toBe(first);
      expect(sign).toHaveBeenCalledTimes(2);
      for (let i = 0; i < 1000; i++) await keys.csrfSecrets(`other-id-${String(i).padStart(14, "0")}`);
      sign.mockClear();
      expect(await keys.csrfSecrets("first-id-0123456789abcd")).toEqual(first);
      expect(sign).toHaveBeenCalledTimes(2);
    } finally {
      sign.mockRestore();
    }
  });

  it("knownCsrfSecrets() answers at once only what csrfSecrets() computed and still remembers", async () => {
    const keys = await createKeyring(SECRET, { purpose: "known-secrets" });
    const id = "known-id-0123456789abcde";
    expect(keys.knownCsrfSecrets(id)).toBeUndefined();
    const pending = keys.csrfSecrets(id);
    expect(keys.knownCsrfSecrets(id)).toBeUndefined(); // the HMAC has not finished
    const secrets = await pending;
    expect(keys.knownCsrfSecrets(id)).toBe(secrets);
    for (let i = 0; i < 1000; i++) await keys.csrfSecrets(`other-id-${String(i).padStart(14, "0")}`);
    expect(keys.knownCsrfSecrets(id)).toBeUndefined();
  });
});
