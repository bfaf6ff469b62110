import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { DurableObjectStore } from "../src/durable-object/store.js";
import { linkSession, listSessions, revokeAllSessions, revokeSession } from "../src/durable-object/users.js";
import { SessionConfigError } from "../src/core/errors.js";
import { session, sessionEngine, withSession, type SessionOptions, type SessionVariables } from "../src/index.js";
import type { SessionStore } from "../src/stores/store.js";
import { advanceObject, freshId, sessionStub, storageOf } from "./do-helpers.js";
import type { SessionObject } from "../src/durable-object/object.js";
import { jar, SECRET, testClock, type Data } from "./helpers.js";
import { kvStore } from "./stores.js";

type Namespace = typeof env.SESSION_OBJECTS;

/** A small app with login (linked to a user), logout, "log out my other devices" and a device list. */
function accountApp(options: Partial<SessionOptions>, namespace: Namespace = env.SESSION_OBJECTS) {
  const app = new Hono<{ Variables: SessionVariables<Data> }>();
  app.use(session<Data>({ secret: SECRET, idleTimeout: 600, ...options }));
  app.post("/login/:user", async (c) => {
    const s = await c.var.session.load();
    s.regenerate();
    s.set("user", c.req.param("user"));
    await linkSession(namespace, s, c.req.param("user"), { device: c.req.header("X-Device") ?? "" });
    return c.json({ id: s.id });
  });
  app.get("/me", async (c) => {
    const s = await c.var.session.load();
    const user = await s.get("user");
    return c.json({ user: user ?? null, id: s.id, invalid: s.invalid ?? null }, user ? 200 : 401);
  });
  app.post("/logout", (c) => {
    c.var.session.destroy();
    return c.text("bye");
  });
  app.post("/big/:n", (c) => {
    c.var.session.set("big", "x".repeat(Number(c.req.param("n"))));
    return c.text("grown");
  });
  app.post("/logout-others", async (c) => {
    const s = await c.var.session.load();
    const ended = await revokeAllSessions(namespace, (await s.get("user"))!, { except: s.id });
    return c.json({ ended });
  });
  return app;
}

async function login(app: Hono<never>, user: string, device = "") {
  const j = jar();
  const res = await app.request(`/login/${user}`, { method: "POST", headers: { "X-Device": device } });
  j.take(res);
  const { id } = (await res.json()) as { id: string };
  return { j, id };
}

const me = async (app: Hono<never>, cookie: Record<string, string>) => {
  const res = await app.request("/me", { headers: cookie });
  return { status: res.status, body: (await res.json()) as { user: string | null; invalid: string | null } };
};

describe.each([
  ["cookie mode with revocation checks", { revocation: { namespace: env.SESSION_OBJECTS } }],
  ["server-side mode (Durable Object store)", { store: new DurableObjectStore(env.SESSION_OBJECTS) }],
] as const)("%s: logout and log out other devices", (_name, mode) => {
  it("a cookie captured before logout is refused afterwards", async () => {
    const app = accountApp(mode) as unknown as Hono<never>;
    const user = `gina-${freshId()}`;
    const { j } = await login(app, user);
    const copied = j.header();
    j.take(await app.request("/logout", { method: "POST", headers: j.header() }));
    expect(await me(app, copied)).toEqual({ status: 401, body: expect.objectContaining({ user: null, invalid: "revoked" }) });
    expect(await listSessions(env.SESSION_OBJECTS, user)).toEqual([]);
  });

  it('"log out my other devices" leaves exactly the current session', async () => {
    const app = accountApp(mode) as unknown as Hono<never>;
    const user = `hank-${freshId()}`;
    const others = [await login(app, user, "Phone"), await login(app, user, "Tablet")];
    const current = await login(app, user, "Laptop");
    expect(await (await app.request("/logout-others", { method: "POST", headers: current.j.header() })).json()).toEqual({ ended: 2 });
    for (const other of others) expect(await me(app, other.j.header())).toMatchObject({ status: 401, body: { invalid: "revoked" } });
    expect((await me(app, current.j.header())).status).toBe(200);
    expect(await listSessions(env.SESSION_OBJECTS, user)).toEqual([expect.objectContaining({ id: current.id, device: "Laptop" })]);
  });
});

describe("cookie mode with revocation checks", () => {
  it("without them, a cookie copied before logout still works afterwards (the problem)", async () => {
    const app = accountApp({}) as unknown as Hono<never>;
    const user = `alice-${freshId()}`;
    const { j } = await login(app, user);
    const copied = j.header();
    j.take(await app.request("/logout", { method: "POST", headers: j.header() }));
    expect(j.value).toBeUndefined();
    expect(await me(app, copied)).toMatchObject({ status: 200, body: { user } });
  });

  it("an admin's revokeSession ends a cookie session at once", async () => {
    const app = accountApp({ revocation: { namespace: env.SESSION_OBJECTS } }) as unknown as Hono<never>;
    const { j, id } = await login(app, `bob-${freshId()}`);
    await revokeSession(env.SESSION_OBJECTS, id);
    expect(await me(app, j.header())).toMatchObject({ status: 401, body: { invalid: "revoked" } });
  });

  it("the device list follows cookie-mode use (one object call per touchAfter)", async () => {
    const clock = testClock();
    const app = accountApp({ revocation: { namespace: env.SESSION_OBJECTS }, now: clock.now, touchAfter: 60 }) as unknown as Hono<never>;
    const user = `dave-${freshId()}`;
    const { j } = await login(app, user);
    clock.advance(120);
    j.take((await app.request("/me", { headers: j.header() })) as Response);
    expect((await listSessions(env.SESSION_OBJECTS, user))[0]?.lastUsed).toBe(clock.now());
  });

  it("cacheFor reuses a 'not revoked' answer in this isolate; a revocation made here applies at once", async () => {
    const calls: string[] = [];
    const counting = {
      getByName: (name: string) => {
        calls.push(name);
        return env.SESSION_OBJECTS.getByName(name);
      },
    } as unknown as Namespace;
    const app = accountApp({ revocation: { namespace: counting, cacheFor: 30 }, touchAfter: 60 }, counting) as unknown as Hono<never>;
    const user = `erin-${freshId()}`;
    const { j, id } = await login(app, user);
    calls.length = 0;
    for (let i = 0; i < 3; i++) expect((await me(app, j.header())).status).toBe(200);
    // The login sealed the user's reference: the check asks the user's object (revokeAllSessions lives there).
    expect(calls).toEqual([`u:${user}`]);
    await revokeSession(counting, id);
    expect((await me(app, j.header())).status).toBe(401);
  });

  it("refuses settings that cannot be honoured", () => {
    const revocation = { namespace: env.SESSION_OBJECTS };
    expect(() => session({ secret: SECRET, revocation })).toThrow(/idleTimeout, absoluteTimeout or lifetime/);
    expect(() => session({ secret: SECRET, idleTimeout: 600, touchAfter: 10, revocation: { ...revocation, cacheFor: 11 } })).toThrow(
      SessionConfigError,
    );
    expect(() => session({ secret: SECRET, idleTimeout: 600, revocation: { namespace: undefined as never } })).toThrow(SessionConfigError);
  });

  it("fails closed: an unreachable object gives 503, not a session", async () => {
    const down = { getByName: () => ({ check: () => Promise.reject(new Error("down")) }) } as unknown as Namespace;
    const app = accountApp({ revocation: { namespace: env.SESSION_OBJECTS } }) as unknown as Hono<never>;
    const { j } = await login(app, `frank-${freshId()}`);
    const broken = accountApp({ revocation: { namespace: down } }) as unknown as Hono<never>;
    const res = await broken.request("/me", { headers: j.header() });
    expect(res.status).toBe(503);
    expect(await res.text()).toBe("Service Unavailable");
  });
});

describe("cookie mode with revocation checks: how long links and revocations last", () => {
  const namespace = env.SESSION_OBJECTS;
  const DAY = 24 * 3600;
  /** Moves the app's clock and the session object's clock together. */
  async function advance(clock: ReturnType<typeof testClock>, id: string, seconds: number) {
    clock.advance(seconds);
    await advanceObject(sessionStub(id), seconds);
    await runDurableObjectAlarm(sessionStub(id));
  }

  it("a session refused as absolute leaves listSessions then too (absoluteTimeout 3600, no idle limit)", async () => {
    const clock = testClock(Date.now());
    const app = accountApp({
      revocation: { namespace },
      idleTimeout: undefined,
      absoluteTimeout: 3600,
      now: clock.now,
    }) as unknown as Hono<never>;
    const user = `abs-${freshId()}`;
    const { j, id } = await login(app, user);
    await advance(clock, id, 3500);
    expect((await me(app, j.header())).status).toBe(200);
    expect((await listSessions(namespace, user)).map((s) => s.id)).toEqual([id]);
    await advance(clock, id, 101); // the request above resealed the cookie: the link still ends with the session
    expect((await me(app, j.header())).status).toBe(401);
    expect(await listSessions(namespace, user)).toEqual([]);
    await advance(clock, id, 3600); // two hours after login
    expect(await listSessions(namespace, user)).toEqual([]);
  });

  it("revokeSession of an unlinked session outlives every copy: idleTimeout 30 days, refused after 15 and 29 days", async () => {
    const clock = testClock(Date.now());
    const app = accountApp({ revocation: { namespace }, idleTimeout: 30 * DAY, now: clock.now }) as unknown as Hono<never>;
    const j = jar();
    j.take(await app.request("/big/10", { method: "POST" })); // a session, never linked to a user
    const { id } = (await (await app.request("/me", { headers: j.header() })).json()) as { id: string };
    await revokeSession(namespace, id);
    await advance(clock, id, 15 * DAY);
    expect(await me(app, j.header())).toMatchObject({ status: 401, body: { invalid: "revoked" } });
    await advance(clock, id, 14 * DAY);
    expect(await me(app, j.header())).toMatchObject({ status: 401, body: { invalid: "revoked" } });
  });

  it("without the middleware in this isolate, revokeSession remembers 14 days, or the ttl it is given", async () => {
    const admin = { getByName: (name: string) => namespace.getByName(name) } as unknown as Namespace; // not registered
    const T = Date.now();
    const tombUntil = async (id: string) => ((await storageOf(sessionStub(id))) as { tomb: { until: number } }).tomb.until - T;
    const [a, b] = [freshId(), freshId()];
    for (const id of [a, b]) await runInDurableObject(sessionStub(id), (object: SessionObject) => void (object.clock = () => T));
    await revokeSession(admin, a);
    expect(await tombUntil(a)).toBe(14 * DAY * 1000);
    await revokeSession(admin, b, { ttl: 40 * DAY });
    expect(await tombUntil(b)).toBe(40 * DAY * 1000);
  });
});

describe("cookie mode with overflow and revocation checks", () => {
  const keysIn = async (store: SessionStore) => (await store.list!({})).keys.map((k) => k.name);
  /** Logs in and grows the session past the cookie limit: its data now lives in KV behind a pointer. */
  async function loginLarge(app: Hono<never>, user: string, device = "") {
    const session = await login(app, user, device);
    session.j.take(await app.request("/big/6000", { method: "POST", headers: session.j.header() }));
    expect(session.j.value!.length).toBeLessThan(1000);
    return session;
  }

  it("logout deletes the KV copy and revokes the id: a copied cookie is refused", async () => {
    const kv = kvStore();
    const app = accountApp({ overflow: kv, revocation: { namespace: env.SESSION_OBJECTS } }) as unknown as Hono<never>;
    const user = `ivy-${freshId()}`;
    const { j } = await loginLarge(app, user);
    expect(await keysIn(kv)).toHaveLength(1);
    expect(await me(app, j.header())).toMatchObject({ status: 200, body: { user } });
    const copied = j.header();
    j.take(await app.request("/logout", { method: "POST", headers: j.header() }));
    expect(await keysIn(kv)).toEqual([]);
    // Here KV already answers that the copy is gone; the revocation covers locations that still have it (next test).
    expect(await me(app, copied)).toEqual({ status: 401, body: expect.objectContaining({ user: null, invalid: "missing" }) });
    expect(await listSessions(env.SESSION_OBJECTS, user)).toEqual([]);
  });

  it("a location where KV still holds the deleted copy (deletes take up to ~60 s to spread) refuses it too", async () => {
    const kv = kvStore();
    const lagging: SessionStore = {
      get: (key) => kv.get(key),
      set: (key, value, options) => kv.set(key, value, options),
      delete: async () => {},
    };
    const app = accountApp({ overflow: lagging, revocation: { namespace: env.SESSION_OBJECTS } }) as unknown as Hono<never>;
    const { j } = await loginLarge(app, `ivo-${freshId()}`);
    const copied = j.header();
    j.take(await app.request("/logout", { method: "POST", headers: j.header() }));
    expect(await keysIn(kv)).toHaveLength(1);
    expect(await me(app, copied)).toMatchObject({ status: 401, body: { user: null, invalid: "revoked" } });
  });

  it("revokeSession refuses a session in KV on its next request, whatever its size", async () => {
    const app = accountApp({ overflow: kvStore(), revocation: { namespace: env.SESSION_OBJECTS } }) as unknown as Hono<never>;
    const { j, id } = await loginLarge(app, `jay-${freshId()}`);
    await revokeSession(env.SESSION_OBJECTS, id);
    expect(await me(app, j.header())).toMatchObject({ status: 401, body: { invalid: "revoked" } });
  });

  it('"log out my other devices" ends sessions in the cookie and in KV, and keeps the current one in KV', async () => {
    const app = accountApp({ overflow: kvStore(), revocation: { namespace: env.SESSION_OBJECTS } }) as unknown as Hono<never>;
    const user = `kim-${freshId()}`;
    const others = [await login(app, user, "Phone"), await loginLarge(app, user, "Tablet")];
    const current = await loginLarge(app, user, "Laptop");
    expect(await (await app.request("/logout-others", { method: "POST", headers: current.j.header() })).json()).toEqual({ ended: 2 });
    for (const other of others) expect(await me(app, other.j.header())).toMatchObject({ status: 401, body: { invalid: "revoked" } });
    expect(await me(app, current.j.header())).toMatchObject({ status: 200, body: { user } });
    expect(await listSessions(env.SESSION_OBJECTS, user)).toEqual([expect.objectContaining({ id: current.id, device: "Laptop" })]);
  });
});

describe("revocation checks in time", () => {
  it("a check whose object never answers fails after storeTimeout (503 SessionStoreError), never hangs the request", async () => {
    const sealed = accountApp({ revocation: { namespace: env.SESSION_OBJECTS } });
    const { j } = await login(sealed as unknown as Hono<never>, `slow-${freshId()}`);
    // Every call on every object of this namespace hangs.
    const hanging = { getByName: () => new Proxy({}, { get: () => () => new Promise<never>(() => {}) }) } as unknown as Namespace;
    const sessions = sessionEngine<Data, null>({ secret: SECRET, idleTimeout: 600, storeTimeout: 5, revocation: { namespace: hanging } });
    const res = await withSession(sessions, new Request("https://a.example/", { headers: j.header() }), null, async (s) => {
      return new Response(String(await s.get("user")));
    });
    expect(res.status).toBe(503);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
  });
});
