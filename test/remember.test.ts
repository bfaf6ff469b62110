/**
 * Remember-me: a session's own limits (`setLimits()`), sealed with it and enforced by the server in every
 * mode; the engine's limits are the defaults and, with `max*`, the upper bounds.
 */
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import {
  createKeyring,
  listActiveSessions,
  EXPIRED_GRACE,
  MemoryStore,
  newSessionId,
  session,
  sessionEngine,
  SessionConfigError,
  SessionLimitError,
  sealSession,
  type SessionOptions,
  type SessionVariables,
  type StoreSetOptions,
} from "../src/index.js";
import { envelopeJson, envelopeOf } from "../src/core/envelope.js";
import { cookieJar, SECRET, testClock, type Data } from "./helpers.js";
import { MODES } from "./modes.js";

const NAME = "__Host-session";
const DAY = 86400;
const IDLE = 600;
type Jar = ReturnType<typeof cookieJar>;

/** Login with a "keep me signed in" box (`remember`), or a tighter idle limit (`tight`); /me reports the session. */
function rememberApp(options: Partial<SessionOptions>) {
  const app = new Hono<{ Variables: SessionVariables<Data> }>();
  app.use(session<Data>({ secret: SECRET, idleTimeout: IDLE, maxIdleTimeout: 7 * DAY, maxLifetime: 30 * DAY, ...options }));
  app.post("/login", (c) => {
    const s = c.var.session;
    s.regenerate();
    s.set("user", "ada");
    if (c.req.query("remember")) s.setLimits({ lifetime: 30 * DAY, idleTimeout: 7 * DAY });
    if (c.req.query("tight")) s.setLimits({ idleTimeout: 60 });
    if (c.req.query("loose")) s.setLimits({ lifetime: 31 * DAY });
    if (c.req.query("big")) s.set("big", "x".repeat(6000));
    return c.text("in");
  });
  app.get("/me", async (c) => {
    const s = await c.var.session.load();
    return c.json({
      user: (await s.get("user")) ?? null,
      expired: s.expired ?? null,
      invalid: s.invalid ?? null,
      left: s.secondsLeft() ?? null,
    });
  });
  return app;
}

type App = ReturnType<typeof rememberApp>;

async function send(app: App, path: string, j: Jar, method = "GET") {
  const res = await app.request(path, { method, headers: j.header() });
  j.take(res);
  return res;
}

const me = async (app: App, j: Jar) => (await send(app, "/me", j)).json();

/** The Max-Age of the session cookie a response set, or null for a browser-session cookie. */
function maxAgeOf(res: Response): number | null {
  const line = res.headers.getSetCookie().find((l) => l.startsWith(`${NAME}=`))!;
  const found = /; Max-Age=(\d+)/.exec(line);
  return found ? Number(found[1]) : null;
}

describe.each(MODES)("a session's own limits: $mode", ({ options, big }) => {
  const login = (query: string) => (big ? `/login?big=1&${query}` : `/login?${query}`);

  it("remember-me: Max-Age is the session's lifetime; it outlives the engine's idle limit and ends at its own", async () => {
    const clock = testClock();
    const app = rememberApp({ now: clock.now, ...options(clock) });
    const j = cookieJar();
    expect(maxAgeOf(await send(app, login("remember=1"), j, "POST"))).toBe(30 * DAY);
    clock.advance(IDLE + 1);
    expect(await me(app, j)).toMatchObject({ user: "ada", expired: null, invalid: null, left: 7 * DAY });
    clock.advance(7 * DAY + 1);
    expect(await me(app, j)).toMatchObject({ user: null, expired: "idle" });
  });

  it("not remembered: a browser-session cookie, ended by the engine's idle limit", async () => {
    const clock = testClock();
    const app = rememberApp({ now: clock.now, ...options(clock) });
    const j = cookieJar();
    expect(maxAgeOf(await send(app, login(""), j, "POST"))).toBeNull();
    clock.advance(IDLE + 1);
    expect(await me(app, j)).toMatchObject({ user: null, expired: "idle" });
  });

  it("a session that tightens its idle limit expires sooner", async () => {
    const clock = testClock();
    const app = rememberApp({ now: clock.now, ...options(clock) });
    const j = cookieJar();
    await send(app, login("tight=1"), j, "POST");
    clock.advance(30);
    expect(await me(app, j)).toMatchObject({ user: "ada", left: 60 }); // rolled: a tenth of its own limit
    clock.advance(61);
    expect(await me(app, j)).toMatchObject({ user: null, expired: "idle" });
  });
});

describe("a session's own limits: bounds", () => {
  it("loosening past maxLifetime is refused with SessionLimitError (code LIMIT), and nothing is written", async () => {
    const app = rememberApp({});
    const errors: unknown[] = [];
    app.onError((error, c) => {
      errors.push(error);
      return c.text("refused", 500);
    });
    const res = await app.request("/login?loose=1", { method: "POST" });
    expect(res.status).toBe(500);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(errors[0]).toBeInstanceOf(SessionLimitError);
    expect(errors[0]).toMatchObject({ code: "LIMIT", limit: "lifetime", max: 30 * DAY });
  });

  it("without max options, the engine's limits are the bounds: a session may only tighten them", async () => {
    const engine = sessionEngine({ secret: SECRET, idleTimeout: IDLE, absoluteTimeout: DAY });
    const { session: s } = engine.start(new Headers(), undefined);
    expect(() => s.setLimits({ idleTimeout: IDLE + 1 })).toThrow(SessionLimitError);
    expect(() => s.setLimits({ absoluteTimeout: DAY + 1 })).toThrow(SessionLimitError);
    expect(() => s.setLimits({ lifetime: 1 })).toThrow(/lifetime must be at most 0 seconds/);
    expect(() => s.setLimits({ idleTimeout: 60, absoluteTimeout: 3600, lifetime: 0 })).not.toThrow();
  });

  it("bad input: a typed SessionConfigError naming the option, never a crash", () => {
    const engine = sessionEngine({ secret: SECRET, idleTimeout: IDLE });
    const { session: s } = engine.start(new Headers(), undefined);
    expect(() => s.setLimits({ idleTimout: 60 } as never)).toThrow(/unknown option "idleTimout" \(did you mean idleTimeout\?\)/);
    expect(() => s.setLimits({ idleTimeout: 0 })).toThrow(SessionConfigError);
    expect(() => s.setLimits({ lifetime: -1 })).toThrow(SessionConfigError);
    expect(() => s.setLimits({ absoluteTimeout: 1.5 })).toThrow(SessionConfigError);
    expect(() => s.setLimits(null as never)).toThrow(SessionConfigError);
  });

  it("engine options: each max must be at least the engine's own value, which it needs", () => {
    expect(() => sessionEngine({ secret: SECRET, lifetime: 60, maxLifetime: 59 })).toThrow(/maxLifetime \(59\) must be at least lifetime/);
    expect(() => sessionEngine({ secret: SECRET, maxIdleTimeout: 60 })).toThrow(/maxIdleTimeout needs idleTimeout/);
    expect(() => sessionEngine({ secret: SECRET, idleTimeout: 61, maxIdleTimeout: 60 })).toThrow(SessionConfigError);
    expect(() => sessionEngine({ secret: SECRET, absoluteTimeout: 60, maxAbsoluteTimeout: 0 })).toThrow(SessionConfigError);
    expect(() => sessionEngine({ secret: SECRET, maxLifetmie: 60 } as never)).toThrow(/did you mean maxLifetime/);
  });

  it("a session sealed with looser limits than the current maximum is held to the current one (a deploy that tightens applies)", async () => {
    const clock = testClock();
    const keys = await createKeyring(SECRET, { purpose: NAME });
    const at = clock.now();
    const meta = {
      id: newSessionId(),
      created: at,
      lastUsed: at,
      lifetime: 90 * DAY,
      limits: { lifetime: 90 * DAY, idleTimeout: 60 * DAY },
    };
    const sealed = await sealSession({ data: { user: "ada" }, meta }, keys);
    const app = rememberApp({ now: clock.now });
    const j = cookieJar();
    j.cookies.set(NAME, sealed);
    clock.advance(IDLE + 1);
    const res = await send(app, "/me", j);
    expect(await res.json()).toMatchObject({ user: "ada", left: 7 * DAY });
    expect(maxAgeOf(res)).toBe(30 * DAY); // the reseal's Max-Age is bounded by maxLifetime
    clock.advance(7 * DAY + 1);
    expect(await me(app, j)).toMatchObject({ user: null, expired: "idle" });
  });

  it("sessionEngine: setLimits at login sets Max-Age, and the next request reads the session's own limits", async () => {
    const clock = testClock();
    const engine = sessionEngine<Data>({ secret: SECRET, idleTimeout: IDLE, maxLifetime: 30 * DAY, now: clock.now });
    const first = engine.start(new Headers(), undefined);
    first.session.set("user", "ada");
    first.session.setLimits({ lifetime: 30 * DAY });
    const [line] = await first.commit();
    expect(line).toMatch(/; Max-Age=2592000;/);
    const next = engine.start(new Headers({ Cookie: line!.slice(0, line!.indexOf(";")) }), undefined);
    await next.session.load();
    expect(next.session.meta).toMatchObject({ lifetime: 30 * DAY, limits: { lifetime: 30 * DAY } });
    expect(next.session.idleSecondsLeft()).toBe(IDLE);
    next.session.setLimits({}); // back to the engine's: a browser-session cookie
    const [again] = await next.commit();
    expect(again).not.toMatch(/Max-Age/);
  });

  it("stores get a TTL from the session's own limits", async () => {
    const ttls: number[] = [];
    const memory = new MemoryStore();
    const store = Object.assign(Object.create(memory) as MemoryStore, {
      set: (key: string, value: string, options: StoreSetOptions) => {
        ttls.push(options.ttl);
        return memory.set(key, value, options);
      },
    });
    const app = rememberApp({ store });
    await app.request("/login?remember=1", { method: "POST" });
    await app.request("/login", { method: "POST" });
    expect(ttls).toEqual([7 * DAY + EXPIRED_GRACE, IDLE + EXPIRED_GRACE]); // the store keeps a grace for the reason
  });
});

describe("a session's own limits: listings", () => {
  it("admin listings show each session's own deadline", async () => {
    const clock = testClock();
    const store = new MemoryStore({ now: clock.now });
    const app = rememberApp({ store, now: clock.now });
    await app.request("/login?remember=1", { method: "POST" });
    await app.request("/login", { method: "POST" });
    const { sessions } = await listActiveSessions(store, { now: clock.now() });
    expect(sessions.map((s) => (s.expires - clock.now()) / 1000).sort((a, b) => a - b)).toEqual([IDLE, 7 * DAY]);
  });
});

describe("a session's own limits: the wire", () => {
  const meta = { id: newSessionId(), created: 1_000_000, lastUsed: 1_000_000, lifetime: 0 };

  it("a session without its own limits seals exactly as before (no new member)", () => {
    expect(envelopeJson({ data: { a: 1 }, meta })).toBe(`{"i":"${meta.id}","c":1000,"u":1000,"l":0,"d":{"a":1}}`);
    const own = envelopeJson({ data: {}, meta: { ...meta, lifetime: 60, limits: { lifetime: 60, idleTimeout: 30 } } });
    expect(JSON.parse(own)).toMatchObject({ l: 60, s: { l: 60, i: 30 } });
    expect(envelopeOf(JSON.parse(own))?.meta.limits).toEqual({ lifetime: 60, idleTimeout: 30 });
  });

  it("malformed own limits are ignored: the engine's limits, which bound any session's, apply", () => {
    for (const s of [{ i: 0 }, { a: -1 }, { l: "60" }, [60], null]) {
      const envelope = envelopeOf({ i: meta.id, c: 1000, u: 1000, l: 0, d: {}, s });
      expect(envelope?.meta).not.toHaveProperty("limits");
    }
  });
});
