/**
 * Issue 27 item 3: requireSession() lets signed-in requests through and tells why the others are not (never
 * signed in, idle, absolute, revoked, invalid), in every mode, through Hono and sessionEngine.
 */
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { revokeSession } from "../src/durable-object/users.js";
import {
  DurableObjectStore,
  MemoryStore,
  requireSession,
  session,
  SessionConfigError,
  sessionEngine,
  SessionRequiredError,
  signedOutReason,
  withSession,
  type RequireSessionOptions,
  type SessionOptions,
  type SessionVariables,
} from "../src/index.js";
import { d1Store } from "./d1-helpers.js";
import { cookieJar, SECRET, testClock, type Data } from "./helpers.js";
import { ifRedis, redisStore } from "./redis-helpers.js";
import { kvStore } from "./stores.js";

/** Name, options, big (outgrows one cookie), whether a copy of the cookie dies with a logout elsewhere. */
const MODES: [string, Partial<SessionOptions>, number, boolean][] = [
  ["cookie mode", {}, 0, false],
  ["cookie mode with chunks", { cookie: { chunks: 3 } }, 6000, false],
  ["cookie mode with overflow (KV), pointer", { overflow: kvStore() }, 6000, true],
  ["cookie mode with revocation checks", { revocation: { namespace: env.SESSION_OBJECTS } }, 0, true],
  ["server-side mode (KV store)", { store: kvStore() }, 0, true],
  ["server-side mode (MemoryStore)", { store: new MemoryStore() }, 0, true],
  ["server-side mode (D1 store)", { store: d1Store() }, 0, true],
  ...ifRedis<[string, Partial<SessionOptions>, number, boolean]>(["server-side mode (Redis store)", { store: redisStore() }, 0, true]),
  ["server-side mode (Durable Object store)", { store: new DurableObjectStore(env.SESSION_OBJECTS) }, 0, true],
];

type Jar = ReturnType<typeof cookieJar>;

function accountApp(options: Partial<SessionOptions>, big = 0, guard: RequireSessionOptions<Data> = { key: "user" }) {
  const app = new Hono<{ Variables: SessionVariables<Data> }>();
  app.use(session<Data>({ secret: SECRET, idleTimeout: 600, absoluteTimeout: 3600, ...options }));
  app.post("/login", async (c) => {
    const s = await c.var.session.load();
    s.regenerate();
    s.set("user", "ada");
    if (big) s.set("big", "x".repeat(big));
    return c.text("in");
  });
  app.post("/visit", (c) => {
    c.var.session.set("cart", 1);
    return c.text("visited");
  });
  app.post("/logout", (c) => {
    c.var.session.destroy();
    return c.text("out");
  });
  app.get("/id", async (c) => c.text((await c.var.session.load()).id));
  app.get("/account", requireSession<Data>(guard), (c) => c.text("balance"));
  app.onError((error, c) => (error instanceof SessionRequiredError ? c.text(`thrown ${error.reason}`, 401) : c.text(String(error), 500)));
  return app;
}

async function call(app: Hono<any>, path: string, j: Jar, method = "POST") {
  const res = await app.request(path, { method, headers: j.header() });
  j.take(res);
  return res;
}

async function account(app: Hono<any>, j: Jar) {
  const res = await call(app, "/account", j, "GET");
  return { status: res.status, body: res.status === 200 ? await res.text() : await res.json(), cache: res.headers.get("Cache-Control") };
}

function copyOf(j: Jar): Jar {
  const copy = cookieJar();
  for (const [name, value] of j.cookies) copy.cookies.set(name, value);
  return copy;
}

const refused = (reason: string) => ({ status: 401, body: { code: "SESSION_REQUIRED", reason }, cache: "no-store" });

describe.each(MODES)("requireSession: %s", (_name, mode, big, ends) => {
  it("lets a signed-in session through; refuses no session and a visitor's session as never signed in", async () => {
    const app = accountApp({ ...mode, now: testClock().now }, big);
    const [user, visitor, nobody] = [cookieJar(), cookieJar(), cookieJar()];
    await call(app, "/login", user);
    await call(app, "/visit", visitor);
    expect(await account(app, user)).toMatchObject({ status: 200, body: "balance" });
    expect(await account(app, nobody)).toEqual(refused("none"));
    expect(await account(app, visitor)).toEqual(refused("none"));
  });

  it("says idle, then absolute, when the session expired", async () => {
    const clock = testClock();
    const app = accountApp({ ...mode, now: clock.now }, big);
    const user = cookieJar();
    await call(app, "/login", user);
    const copy = copyOf(user);
    clock.advance(601);
    expect(await account(app, user)).toEqual(refused("idle"));
    for (let i = 0; i < 8; i++) {
      clock.advance(500);
      await call(app, i === 0 ? "/login" : "/visit", copy); // a fresh login, kept alive until its absolute limit
    }
    clock.advance(200);
    expect(await account(app, copy)).toEqual(refused("absolute"));
  });

  it("says revoked when the session ended elsewhere (a logout from another copy), where the server knows", async () => {
    const app = accountApp({ ...mode, now: testClock().now }, big);
    const user = cookieJar();
    await call(app, "/login", user);
    const copy = copyOf(user);
    await call(app, "/logout", user);
    expect(await account(app, copy)).toEqual(ends ? refused("revoked") : { status: 200, body: "balance", cache: null });
  });

  it("says invalid for a tampered cookie", async () => {
    const app = accountApp({ ...mode, now: testClock().now }, big);
    const user = cookieJar();
    await call(app, "/login", user);
    const [name, value] = [...user.cookies][0]!;
    user.cookies.set(name, `${value.slice(0, -4)}AAAA`);
    expect((await account(app, user)).body).toMatchObject({ reason: expect.stringMatching(/^(invalid|revoked)$/) });
  });
});

describe("requireSession", () => {
  it("an admin's revokeSession is reported as revoked (revocation checks)", async () => {
    const app = accountApp({ revocation: { namespace: env.SESSION_OBJECTS } });
    const user = cookieJar();
    await call(app, "/login", user);
    await revokeSession(env.SESSION_OBJECTS, await (await call(app, "/id", user, "GET")).text());
    expect(await account(app, user)).toEqual(refused("revoked"));
  });

  it("onRefused: a redirect with the reason, a thrown SessionRequiredError, or the app's response (never cached)", async () => {
    const clock = testClock();
    const redirecting = accountApp({ now: clock.now }, 0, { key: "user", onRefused: { redirect: "/login?next=%2Faccount" } });
    const res = await call(redirecting, "/account", cookieJar(), "GET");
    expect([res.status, res.headers.get("Location"), res.headers.get("Cache-Control")]).toEqual([
      303,
      "/login?next=%2Faccount&reason=none",
      "no-store",
    ]);

    const throwing = accountApp({ now: clock.now }, 0, { key: "user", onRefused: "throw" });
    expect(await (await call(throwing, "/account", cookieJar(), "GET")).text()).toBe("thrown none");

    const own = accountApp({ now: clock.now }, 0, {
      signedIn: async (s) => (await s.get("user")) === "ada",
      onRefused: (c, reason) => c.redirect(`/why/${reason}`),
    });
    const user = cookieJar();
    await call(own, "/login", user);
    clock.advance(601);
    const answer = await call(own, "/account", user, "GET");
    expect([answer.status, answer.headers.get("Location"), answer.headers.get("Cache-Control")]).toEqual([302, "/why/idle", "no-store"]);
    expect(new SessionRequiredError("idle")).toMatchObject({ code: "SESSION_REQUIRED", status: 401, reason: "idle" });
  });

  it("refuses bad options: none or both of key and signedIn, unknown keys, an off-site redirect", async () => {
    expect(() => requireSession({} as never)).toThrow(/exactly one of key and signedIn/);
    expect(() => requireSession({ key: "user", signedIn: () => true })).toThrow(SessionConfigError);
    expect(() => requireSession({ key: "user", redirect: "/login" } as never)).toThrow(/unknown option "redirect"/);
    expect(() => requireSession({ key: "user", onRefused: { redirect: "//evil.example" } })).toThrow(SessionConfigError);
    expect(() => requireSession({ key: "user", onRefused: "html" as never })).toThrow(SessionConfigError);
    expect(() => requireSession(undefined as never)).toThrow(SessionConfigError);
    const sessions = sessionEngine<{ user: string }, null>({ secret: SECRET });
    await expect(signedOutReason(sessions.start(new Headers(), null).session, {})).rejects.toThrow(/needs \{ key \} or \{ signedIn \}/);
  });

  it("signedOutReason works with sessionEngine (no Hono)", async () => {
    const clock = testClock();
    const sessions = sessionEngine<{ user: string }, null>({ secret: SECRET, idleTimeout: 60, now: clock.now });
    const user = cookieJar();
    const run = async (path: string) => {
      const res = await withSession(sessions, new Request(`https://a.example${path}`, { headers: user.header() }), null, async (s) => {
        if (path === "/login") s.set("user", "ada");
        return new Response(String((await signedOutReason(s, { key: "user" })) ?? "in"));
      });
      user.take(res);
      return res.text();
    };
    expect(await run("/")).toBe("none");
    expect(await run("/login")).toBe("none"); // this request's own write does not count as a session that came with it
    expect(await run("/")).toBe("in");
    clock.advance(61);
    expect(await run("/")).toBe("idle");
  });
});
