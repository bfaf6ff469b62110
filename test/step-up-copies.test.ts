import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import {
  createKeyring,
  DurableObjectStore,
  linkSession,
  listSessions,
  MemoryStore,
  newSessionId,
  requireRecentAuth,
  session,
  SessionStepUpRequiredError,
  type SessionEvent,
  type SessionOptions,
  type SessionVariables,
} from "../src/index.js";
import { seal } from "../src/crypto/seal.js";
import { d1Store } from "./d1-helpers.js";
import { cookieJar, SECRET, testClock, type Data } from "./helpers.js";
import { ifRedis, redisStore } from "./redis-helpers.js";
import { kvStore } from "./stores.js";

/**
 * Issue 24 item 2: a copy of the cookie taken before a step-up (a stolen pointer, a cookie captured from
 * another device) must never pass `requireRecentAuth` because the real user stepped up afterwards, in
 * any mode. `big` makes the session outgrow one cookie (chunks) or the cookie (overflow pointer).
 */
const MODES: [string, Partial<SessionOptions>, number][] = [
  ["cookie mode", {}, 0],
  ["cookie mode with chunks", { cookie: { chunks: 3 } }, 6000],
  ["cookie mode with overflow (KV), inline", { overflow: kvStore() }, 0],
  ["cookie mode with overflow (KV), pointer", { overflow: kvStore() }, 6000],
  ["cookie mode with revocation checks", { revocation: { namespace: env.SESSION_OBJECTS } }, 0],
  ["server-side mode (KV store)", { store: kvStore() }, 0],
  ["server-side mode (MemoryStore)", { store: new MemoryStore() }, 0],
  ["server-side mode (D1 store)", { store: d1Store() }, 0],
  ...ifRedis<[string, Partial<SessionOptions>, number]>(["server-side mode (Redis store)", { store: redisStore() }, 0]),
  ["server-side mode (Durable Object store)", { store: new DurableObjectStore(env.SESSION_OBJECTS) }, 0],
];

type Jar = ReturnType<typeof cookieJar>;

function stepUpApp(options: Partial<SessionOptions>, big: number) {
  const app = new Hono<{ Variables: SessionVariables<Data> }>();
  app.use(session<Data>({ secret: SECRET, idleTimeout: 3600, ...options }));
  app.post("/visit", (c) => {
    c.var.session.set("user", "ada");
    if (big) c.var.session.set("big", "x".repeat(big));
    return c.text("visited");
  });
  app.post("/login", async (c) => {
    const s = await c.var.session.load();
    s.regenerate();
    s.authenticate();
    s.set("user", "ada");
    if (big) s.set("big", "x".repeat(big));
    return c.text("in");
  });
  app.post("/confirm", (c) => {
    c.var.session.authenticate();
    return c.text("confirmed");
  });
  app.post("/note", (c) => {
    c.var.session.set("note", "written by this copy");
    return c.text("noted");
  });
  app.get("/me", async (c) => {
    const s = await c.var.session.load();
    return c.json({ user: (await s.get("user")) ?? null, ago: s.authenticatedAgo() ?? null });
  });
  app.get("/id", async (c) => c.text((await c.var.session.load()).id));
  app.get("/invalid", async (c) => c.text(String((await c.var.session.load()).invalid)));
  app.post("/transfer", requireRecentAuth(300), (c) => c.text("sent"));
  app.onError((error, c) =>
    error instanceof SessionStepUpRequiredError ? c.json({ ago: error.authenticatedAgo ?? null }, 401) : c.text(String(error), 500),
  );
  return app;
}

async function call(app: Hono<any>, path: string, j: Jar, method = "POST") {
  const res = await app.request(path, { method, headers: j.header() });
  j.take(res);
  return res;
}

const idOf = async (app: Hono<any>, j: Jar) => (await app.request("/id", { headers: j.header() })).text();

/** Another browser holding what `j` holds now. */
function copyOf(j: Jar): Jar {
  const copy = cookieJar();
  for (const [name, value] of j.cookies) copy.cookies.set(name, value);
  return copy;
}

describe.each(MODES)("a copy of the cookie taken before a step-up never gains it: %s", (_name, mode, big) => {
  it("a copy taken after login keeps the login's time when the user steps up later", async () => {
    const clock = testClock();
    const app = stepUpApp({ ...mode, now: clock.now }, big);
    const user = cookieJar();
    await call(app, "/login", user);
    if (big && !("store" in mode)) expect(user.names().length > 1 || "overflow" in mode).toBe(true);
    const copy = copyOf(user);
    clock.advance(400);
    expect((await call(app, "/transfer", user)).status).toBe(401);
    await call(app, "/confirm", user);
    expect(await (await call(app, "/transfer", user)).text()).toBe("sent");
    const refused = await call(app, "/transfer", copy);
    expect(refused.status).toBe(401);
    // Its own login time, or no session at all where the copy's stored entry is gone (overflow moves on each write).
    expect([400, null]).toContain(((await refused.json()) as { ago: number | null }).ago);
  });

  it("a copy taken before the session ever authenticated stays without a step-up", async () => {
    const clock = testClock();
    const app = stepUpApp({ ...mode, now: clock.now }, big);
    const user = cookieJar();
    await call(app, "/visit", user);
    const copy = copyOf(user);
    clock.advance(10);
    await call(app, "/confirm", user);
    expect(await (await call(app, "/transfer", user)).text()).toBe("sent");
    const refused = await call(app, "/transfer", copy);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ ago: null });
  });

  it("a write through the stale copy neither gains the step-up nor takes it from the user", async () => {
    const clock = testClock();
    const app = stepUpApp({ ...mode, now: clock.now }, big);
    const user = cookieJar();
    await call(app, "/visit", user);
    const copy = copyOf(user);
    clock.advance(10);
    await call(app, "/confirm", user);
    clock.advance(10);
    await call(app, "/note", copy);
    expect((await call(app, "/transfer", copy)).status).toBe(401);
    expect(await (await call(app, "/transfer", user)).text()).toBe("sent");
    expect(await (await call(app, "/me", user, "GET")).json()).toEqual({ user: "ada", ago: 10 });
  });
});

describe("step-up keeps the session's id: device lists and revocation still reach it", () => {
  it.each([
    ["cookie mode with revocation checks", { revocation: { namespace: env.SESSION_OBJECTS } }],
    ["server-side mode (Durable Object store)", { store: new DurableObjectStore(env.SESSION_OBJECTS) }],
  ] as const)("%s: a linked session stays listed after a step-up", async (_name, mode) => {
    const clock = testClock();
    const app = stepUpApp({ ...mode, now: clock.now }, 0);
    const userId = `stepup-${crypto.randomUUID()}`;
    app.post("/link", async (c) => {
      const s = await c.var.session.load();
      await linkSession(env.SESSION_OBJECTS, s, userId);
      return c.text(s.id);
    });
    const user = cookieJar();
    await call(app, "/login", user);
    const id = await (await call(app, "/link", user)).text();
    clock.advance(400);
    await call(app, "/confirm", user);
    expect(await (await call(app, "/transfer", user)).text()).toBe("sent");
    expect((await listSessions(env.SESSION_OBJECTS, userId)).map((s) => s.id)).toEqual([id]);
  });
});

describe.each([
  ["server-side mode (MemoryStore)", { store: new MemoryStore() }],
  ["server-side mode (Durable Object store)", { store: new DurableObjectStore(env.SESSION_OBJECTS) }],
] as const)("a step-up in %s", (_name, mode) => {
  it("sets a new pointer and reports authenticated only; later requests keep that pointer as it is", async () => {
    const clock = testClock();
    const events: SessionEvent[] = [];
    const app = stepUpApp({ ...mode, now: clock.now, touchAfter: 600, onEvent: (event) => void events.push(event) }, 0);
    // Events are delivered under waitUntil: this one records them, so the test can wait for them.
    const pending: Promise<unknown>[] = [];
    const ctx = { waitUntil: (p: Promise<unknown>) => void pending.push(p), passThroughOnException() {}, props: {} };
    const send = async (path: string, j: Jar) => {
      const res = await app.request(path, { method: "POST", headers: j.header() }, {}, ctx as unknown as ExecutionContext);
      j.take(res);
      await Promise.all(pending);
      return res;
    };
    const user = cookieJar();
    await send("/visit", user);
    const before = user.cookies.get("__Host-session");
    events.length = 0;
    clock.advance(10);
    const stepUp = await send("/confirm", user);
    expect(stepUp.headers.getSetCookie()).toHaveLength(1);
    expect(user.cookies.get("__Host-session")).not.toBe(before);
    expect(events.map((event) => event.type)).toEqual(["authenticated"]);
    clock.advance(10);
    const write = await call(app, "/note", user);
    expect(write.headers.getSetCookie()).toEqual([]);
    expect(await (await call(app, "/me", user, "GET")).json()).toEqual({ user: "ada", ago: 10 });
  });
});

describe.each([
  ["server-side mode (MemoryStore): the last write wins", { store: new MemoryStore() }],
  ["server-side mode (Durable Object store): the stale write is rebased", { store: new DurableObjectStore(env.SESSION_OBJECTS) }],
] as const)("%s", (_name, mode) => {
  it("a stale copy's request that read before the step-up and writes after it does not gain it", async () => {
    const clock = testClock();
    const app = stepUpApp({ ...mode, now: clock.now }, 0);
    let loaded!: () => void;
    let release!: () => void;
    const read = new Promise<void>((resolve) => (loaded = resolve));
    const gate = new Promise<void>((resolve) => (release = resolve));
    app.post("/slow-note", async (c) => {
      await c.var.session.load();
      loaded();
      await gate;
      c.var.session.set("note", "late");
      return c.text("noted");
    });
    const user = cookieJar();
    await call(app, "/visit", user);
    const copy = copyOf(user);
    clock.advance(10);
    const slow = call(app, "/slow-note", copy);
    await read;
    await call(app, "/confirm", user);
    release();
    expect((await slow).headers.getSetCookie()).toEqual([]); // its pointer, without the step-up, stays as it was
    expect((await call(app, "/transfer", copy)).status).toBe(401);
    expect(await (await call(app, "/transfer", user)).text()).toBe("sent");
  });
});

describe("the server-side pointer's step-up member", () => {
  const keysOf = () => createKeyring(SECRET, { purpose: "__Host-session" });
  const sealWire = async (wire: unknown) => seal(new TextEncoder().encode(JSON.stringify(wire)), await keysOf());

  it("a pointer sealed without it (an earlier version's) opens with the time unknown, whatever the store holds", async () => {
    const app = stepUpApp({ store: new MemoryStore() }, 0);
    const user = cookieJar();
    await call(app, "/login", user);
    const old = cookieJar();
    old.cookies.set("__Host-session", await sealWire({ s: await idOf(app, user) }));
    expect(await (await call(app, "/me", old, "GET")).json()).toEqual({ user: "ada", ago: null });
    expect(await (await call(app, "/me", user, "GET")).json()).toEqual({ user: "ada", ago: 0 });
  });

  it.each([
    ["a string", "1700000000"],
    ["a fraction", 1.5],
    ["a negative number", -1],
    ["null", null],
  ])("a pointer whose step-up member is %s is not a session", async (_what, a) => {
    const app = stepUpApp({ store: new MemoryStore() }, 0);
    const user = cookieJar();
    await call(app, "/login", user);
    const forged = cookieJar();
    forged.cookies.set("__Host-session", await sealWire({ s: await idOf(app, user), a }));
    expect(await (await call(app, "/invalid", forged, "GET")).text()).toBe("not-a-session");
  });

  it("an overflow pointer carries no step-up member: one that does is not a session", async () => {
    const app = stepUpApp({ overflow: kvStore() }, 0);
    const forged = cookieJar();
    forged.cookies.set("__Host-session", await sealWire({ o: newSessionId(), a: 1 }));
    expect(await (await call(app, "/invalid", forged, "GET")).text()).toBe("not-a-session");
  });
});
