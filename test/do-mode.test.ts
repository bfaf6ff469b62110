import { env } from "cloudflare:workers";
import { abortAllDurableObjects, runDurableObjectAlarm } from "cloudflare:test";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { DurableObjectStore, type DurableObjectStoreOptions } from "../src/durable-object/store.js";
import { linkSession, listSessions } from "../src/durable-object/users.js";
import { SessionConfigError } from "../src/core/errors.js";
import type { SessionStore } from "../src/stores/store.js";
import { session, type SessionVariables } from "../src/index.js";
import { advanceObject, sessionStub, storageOf, waitersQueued } from "./do-helpers.js";
import { jar, SECRET, testClock, type Data } from "./helpers.js";
import { kvStore } from "./stores.js";
import { all, barrier, conflictCases, finalEndCases, gate, lostUpdateCases, started, storeApp, type App } from "./versioned-app.js";
import { EXPIRED_GRACE } from "../src/stores/stored-session.js";

const doStore = (options: DurableObjectStoreOptions = {}) => new DurableObjectStore(env.SESSION_OBJECTS, options);

async function dataOf(app: App, cookie: Record<string, string>) {
  return (await all(app, cookie)).data;
}

describe("Durable Object store: lost-update protection", () => {
  lostUpdateCases(() => doStore());

  it("the same overlapping requests against the KV store lose all but one change (documented)", async () => {
    const N = 8;
    const allRead = barrier(N);
    const app = storeApp(kvStore(), { afterRead: () => allRead() });
    const { j } = await started(app);
    await Promise.all(Array.from({ length: N }, (_, i) => app.request(`/set/k${i}/v${i}`, { method: "POST", headers: j.header() })));
    const data = await dataOf(app, j.header());
    // KV has no compare-and-swap: every request wrote back what it read plus its own key; the last one won.
    expect(data["init"]).toBe("yes");
    expect(Object.keys(data).filter((key) => key.startsWith("k"))).toHaveLength(1);
  });

  conflictCases(doStore, async () => {});
});

describe("exclusive mode", () => {
  /** Two overlapping increments; the first holds between its read and its write until the second started. */
  async function twoIncrements(options: DurableObjectStoreOptions) {
    const held = gate();
    const app = storeApp(doStore(options), { afterRead: (c) => (c.req.header("X-First") ? held.opened : Promise.resolve()) });
    const { j, id } = await started(app);
    const first = app.request("/inc", { method: "POST", headers: { ...j.header(), "X-First": "1" } });
    const second = app.request("/inc", { method: "POST", headers: j.header() });
    if (options.exclusive) await waitersQueued(sessionStub(id), 1);
    else await second;
    held.open();
    await Promise.all([first, second]);
    return (await dataOf(app, j.header()))["n"];
  }

  it("without it, two read-modify-write requests on one key overlap: one increment is lost (documented)", async () => {
    expect(await twoIncrements({})).toBe(1);
  });

  it("with it, the second request waits for the first one's write: both increments count", async () => {
    expect(await twoIncrements({ exclusive: true })).toBe(2);
  });

  it("a request that cannot get the lock in time fails with 503 (LOCK_TIMEOUT); the holder is unaffected", async () => {
    const held = gate();
    const app = storeApp(doStore({ exclusive: { leaseMs: 10_000, waitMs: 2_000 } }), {
      afterRead: (c) => (c.req.header("X-First") ? held.opened : Promise.resolve()),
    });
    const { j, id } = await started(app);
    const first = app.request("/inc", { method: "POST", headers: { ...j.header(), "X-First": "1" } });
    const second = app.request("/inc", { method: "POST", headers: j.header() });
    await waitersQueued(sessionStub(id), 1);
    await advanceObject(sessionStub(id), 2.001);
    await runDurableObjectAlarm(sessionStub(id));
    const timedOut = await second;
    expect(timedOut.status).toBe(503);
    expect(timedOut.headers.get("X-Error-Code")).toBe("LOCK_TIMEOUT");
    expect(timedOut.headers.get("Retry-After")).toBe("1");
    held.open();
    expect((await first).status).toBe(200);
    expect(await dataOf(app, j.header())).toMatchObject({ n: 1 });
    expect(await storageOf(sessionStub(id))).not.toHaveProperty("lock"); // released with the write
  });

  it("a handler that throws still releases the lock", async () => {
    const app = storeApp(doStore({ exclusive: true }));
    app.post("/boom", async (c) => {
      await c.var.session.load();
      throw new Error("handler failed");
    });
    const { j, id } = await started(app);
    expect((await app.request("/boom", { method: "POST", headers: j.header() })).status).toBe(500);
    expect(await storageOf(sessionStub(id))).not.toHaveProperty("lock");
  });
});

describe("server-side revocation", () => {
  finalEndCases(doStore, async (store, id) => expect(await store.read(id)).toEqual({ state: "revoked" }));
});

describe("faults", () => {
  it("a write that fails gives 503, no cookie, the stored session unchanged, and the lock released", async () => {
    const real = env.SESSION_OBJECTS;
    const failingWrites = {
      getByName(name: string) {
        const stub = real.getByName(name);
        return {
          read: (...args: Parameters<typeof stub.read>) => stub.read(...args),
          release: (token: string) => stub.release(token),
          write: () => Promise.reject(new Error("object reset")),
        };
      },
    } as unknown as typeof real;
    const app = storeApp(doStore({ exclusive: true }));
    const { j, id } = await started(app);
    const broken = storeApp(new DurableObjectStore(failingWrites, { exclusive: true }));
    const res = await broken.request("/set/k/v", { method: "POST", headers: j.header() });
    expect(res.status).toBe(503);
    expect(res.headers.get("X-Error-Code")).toBe("STORE_UNAVAILABLE");
    expect(res.headers.get("Set-Cookie")).toBeNull();
    expect(await dataOf(app, j.header())).toEqual({ init: "yes" });
    expect(await storageOf(sessionStub(id))).not.toHaveProperty("lock");
  });

  it("an object reset while a request waits for the lock gives that request 503; the holder still writes", async () => {
    const held = gate();
    const app = storeApp(doStore({ exclusive: true }), { afterRead: (c) => (c.req.header("X-First") ? held.opened : Promise.resolve()) });
    const { j, id } = await started(app);
    const first = app.request("/inc", { method: "POST", headers: { ...j.header(), "X-First": "1" } });
    const second = app.request("/inc", { method: "POST", headers: j.header() });
    await waitersQueued(sessionStub(id), 1);
    await abortAllDurableObjects();
    const failed = await second;
    expect(failed.status).toBe(503);
    expect(failed.headers.get("X-Error-Code")).toBe("STORE_UNAVAILABLE");
    held.open();
    expect((await first).status).toBe(200);
    expect(await dataOf(app, j.header())).toMatchObject({ n: 1 });
  });
});

describe("expiry", () => {
  it("an idle session is kept a day past its deadline so the visitor is told why, then the alarm deletes it", async () => {
    const clock = testClock(Date.now());
    const app = storeApp(doStore(), {}, { idleTimeout: 60, now: clock.now });
    const { j, id } = await started(app);
    clock.advance(61);
    await advanceObject(sessionStub(id), 61);
    expect(await runDurableObjectAlarm(sessionStub(id))).toBe(true); // not due yet: it only sets the next alarm
    expect(await storageOf(sessionStub(id))).not.toEqual({});
    expect(await (await app.request("/all", { headers: j.header() })).json()).toMatchObject({ isNew: true, expired: "idle" });
    await advanceObject(sessionStub(id), EXPIRED_GRACE);
    expect(await runDurableObjectAlarm(sessionStub(id))).toBe(true);
    expect(await storageOf(sessionStub(id))).toEqual({});
    expect(await (await app.request("/all", { headers: j.header() })).json()).toMatchObject({ isNew: true, invalid: "missing" });
  });
});

describe("as an overflow target", () => {
  it("a DurableObjectStore is a plain SessionStore: large sessions spill into objects and come back", async () => {
    const app = new Hono<{ Variables: SessionVariables<Data> }>();
    app.use(session<Data>({ secret: SECRET, idleTimeout: 600, overflow: doStore() }));
    app.post("/big", (c) => (c.var.session.set("big", "x".repeat(6000)), c.text("ok")));
    app.get("/big", async (c) => c.text(String(((await c.var.session.get("big")) as string | undefined)?.length ?? 0)));
    const j = jar();
    j.take(await app.request("/big", { method: "POST" }));
    expect(j.value!.length).toBeLessThan(1000); // a pointer, not the session
    expect(await (await app.request("/big", { headers: j.header() })).text()).toBe("6000");
  });
});

/** A logging wrapper: what apps put around a store. `forward` keeps the versioned capability. */
function logging(inner: DurableObjectStore, forward: boolean): SessionStore & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    get: (key) => (calls.push("get"), inner.get(key)),
    set: (key, value, options) => (calls.push("set"), inner.set(key, value, options)),
    delete: (key) => (calls.push("delete"), inner.delete(key)),
    ...(forward ? { versioned: inner.versioned } : {}),
  };
}

/** The ways to wrap a store that keep its versioned capability. */
const forwardingWrappers: [string, (inner: DurableObjectStore) => SessionStore][] = [
  ["a wrapper forwarding `versioned`", (inner) => logging(inner, true)],
  ["a Proxy", (inner) => new Proxy(inner, {})],
  [
    "a subclass",
    (inner) => new (class Metered extends DurableObjectStore {})(env.SESSION_OBJECTS, { exclusive: inner.exclusive ?? false }),
  ],
];

describe("a wrapped DurableObjectStore keeps its guarantees through its `versioned` capability", () => {
  it.each(forwardingWrappers)("%s: 8 overlapping requests keep 8 of 8 changes", async (_name, wrap) => {
    const N = 8;
    const allRead = barrier(N);
    const app = storeApp(wrap(doStore()), { afterRead: () => allRead() });
    const { j } = await started(app);
    const responses = await Promise.all(
      Array.from({ length: N }, (_, i) => app.request(`/set/k${i}/v${i}`, { method: "POST", headers: j.header() })),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(N).fill(200));
    const expected = Object.fromEntries(Array.from({ length: N }, (_, i) => [`k${i}`, `v${i}`]));
    expect(await dataOf(app, j.header())).toEqual({ init: "yes", ...expected });
  });

  it.each(forwardingWrappers)("%s: exclusive locking still serializes two increments", async (_name, wrap) => {
    const held = gate();
    const app = storeApp(wrap(doStore({ exclusive: true })), {
      afterRead: (c) => (c.req.header("X-First") ? held.opened : Promise.resolve()),
    });
    const { j, id } = await started(app);
    const first = app.request("/inc", { method: "POST", headers: { ...j.header(), "X-First": "1" } });
    const second = app.request("/inc", { method: "POST", headers: j.header() });
    await waitersQueued(sessionStub(id), 1); // the second request waits for the lock
    held.open();
    expect([(await first).status, (await second).status]).toEqual([200, 200]);
    expect((await dataOf(app, j.header()))["n"]).toBe(2);
  });

  it.each([
    ["exclusive", { exclusive: true }],
    ['onConflict: "error"', { onConflict: "error" }],
  ] as const)(
    "a wrapper that hides `versioned` from a store configured with %s fails loudly (CONFIG), writing nothing",
    async (_name, options) => {
      const direct = storeApp(doStore(options));
      const { j } = await started(direct);
      const wrapped = storeApp(logging(doStore(options), false));
      const res = await wrapped.request("/set/k/v", { method: "POST", headers: j.header() });
      expect(res.status).toBe(500);
      expect(res.headers.get("X-Error-Code")).toBe("CONFIG");
      expect(res.headers.get("Set-Cookie")).toBeNull();
      expect(await dataOf(direct, j.header())).toEqual({ init: "yes" });
      await expect(doStore(options).set("k", "v", { ttl: 60 })).rejects.toThrow(/forward its `versioned`/);
    },
  );

  it("a store offering a malformed `versioned`, or an exclusive store as overflow target, is refused at start-up", () => {
    const bogus = { get: async () => null, set: async () => {}, delete: async () => {}, versioned: { read: 1 } } as unknown as SessionStore;
    expect(() => session({ secret: SECRET, store: bogus })).toThrow(SessionConfigError);
    expect(() => session({ secret: SECRET, overflow: doStore({ exclusive: true }) })).toThrow(SessionConfigError);
    expect(() => session({ secret: SECRET, overflow: doStore({ onConflict: "error" }) })).toThrow(SessionConfigError);
  });
});

describe("stored metadata has one time unit", () => {
  it.each([
    ["the store itself", () => doStore()],
    ["a plain wrapper (no `versioned`)", () => logging(doStore(), false)],
  ] as const)("through %s, listSessions reports lastUsed in ms, consistent with created", async (_name, makeStore) => {
    const clock = testClock(Date.now());
    const app = storeApp(makeStore(), {}, { now: clock.now, touchAfter: 60 });
    const user = `metric-${Math.random()}`;
    app.post("/link", async (c) => {
      const s = await c.var.session.load();
      await linkSession(env.SESSION_OBJECTS, s, user);
      return c.text("linked");
    });
    const { j } = await started(app);
    await app.request("/link", { method: "POST", headers: j.header() });
    const [linked] = await listSessions(env.SESSION_OBJECTS, user);
    clock.advance(120);
    j.take(await app.request("/all", { headers: j.header() })); // a write: touchAfter passed
    const [listed] = await listSessions(env.SESSION_OBJECTS, user);
    expect(listed!.created).toBe(linked!.created);
    expect(listed!.lastUsed).toBe(clock.now() - (clock.now() % 1000));
    expect(listed!.lastUsed - listed!.created).toBe(120_000);
  });

  it("a plain write keeps the grace its ttl includes, so the device list ends at the session's own deadline", async () => {
    const clock = testClock(Date.now());
    const app = storeApp(logging(doStore(), false), {}, { now: clock.now, idleTimeout: 600 });
    const user = `grace-${Math.random()}`;
    app.post("/link", async (c) => {
      const s = await c.var.session.load();
      await linkSession(env.SESSION_OBJECTS, s, user);
      c.var.session.set("linked", true);
      return c.text("linked");
    });
    const { j, id } = await started(app);
    await app.request("/link", { method: "POST", headers: j.header() });
    expect(await listSessions(env.SESSION_OBJECTS, user)).toHaveLength(1);
    await advanceObject(sessionStub(id), 601);
    expect(await listSessions(env.SESSION_OBJECTS, user)).toEqual([]);
    expect(await storageOf(sessionStub(id))).toHaveProperty("rec"); // kept for the grace: "expired: idle"
  });
});

describe("configuration", () => {
  it("refuses a store that is not a DurableObjectStore, and revocation checks on top of a store", () => {
    expect(() => session({ secret: SECRET, store: {} as never })).toThrow(SessionConfigError);
    expect(() => session({ secret: SECRET, idleTimeout: 60, store: doStore(), revocation: { namespace: env.SESSION_OBJECTS } })).toThrow(
      SessionConfigError,
    );
  });
});
