/**
 * The attack catalogue, store-backed modes (overflow and server-side): one test per attack, named by what a
 * user would lose. Stores are MemoryStores (exact, fast) unless the case is about KV itself.
 */
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import {
  createKeyring,
  DurableObjectStore,
  KVStore,
  listActiveSessions,
  MemoryStore,
  sealSession,
  session,
  SessionStoreError,
  type SessionOptions,
  type SessionStore,
  type SessionVariables,
} from "../src/index.js";
import { runInDurableObject } from "cloudflare:test";
import { linkSession, revokeAllSessions } from "../src/durable-object/users.js";
import type { SessionObject } from "../src/durable-object/object.js";
import { revocationBoundOf } from "../src/durable-object/revocation-bound.js";
import { LaggingStore } from "./fault-schedule.js";
import { b64, forgeJwe, rawKey } from "./forge.js";
import { jar, OLD_SECRET, SECRET, testClock } from "./helpers.js";
import { CountingStore, InterleavingStore, kvStore, MisansweringStore, storeApp, visit, WRONG_GET_ANSWERS } from "./stores.js";

const NAME = "__Host-session";
const T0 = Date.UTC(2026, 10, 24, 9, 0, 0);

/** A server-side (or overflow) app over a fresh MemoryStore on one test clock. */
function site(mode: "store" | "overflow", options: Partial<SessionOptions> = {}, store?: SessionStore) {
  const clock = testClock(T0);
  const memory = new MemoryStore({ now: clock.now });
  const held = store ?? memory;
  const app = storeApp({ [mode]: held, now: clock.now, idleTimeout: 1800, absoluteTimeout: 12 * 3600, ...options });
  return { app, clock, memory, store: held };
}

/** A second browser holding a copy of this one's cookie (a thief, or another location). */
function copyOf(browser: ReturnType<typeof jar>): ReturnType<typeof jar> {
  const copy = jar();
  copy.value = browser.value;
  return copy;
}

async function keysIn(store: SessionStore): Promise<string[]> {
  return (await store.list!({})).keys.map((k) => k.name);
}

describe("revocation and replay", () => {
  it("server-side: a cookie copied before logout is dead once destroy() returns (replay within the absolute timeout is refused)", async () => {
    const { app, clock } = site("store");
    const alice = jar();
    await visit(app, "/user/alice", alice);
    const stolen = copyOf(alice);
    expect((await visit(app, "/destroy", alice)).setCookie).toMatch(/Max-Age=0/);
    clock.advance(60);
    const replay = await visit(app, "/read", stolen);
    expect(replay.body).toMatchObject({ isNew: true, invalid: "missing", data: {} });
    expect(replay.text).not.toContain("alice");
  });

  it("server-side: a request in flight when the user logs out (or an admin deletes the id) does not bring the session back", async () => {
    for (const ending of ["logout", "admin delete"] as const) {
      const clock = testClock(T0);
      const memory = new MemoryStore({ now: clock.now });
      const store = new InterleavingStore(memory);
      const app = storeApp({ store, now: clock.now, idleTimeout: 1800 });
      const alice = jar();
      const { body } = await visit(app, "/user/alice", alice);
      const stolen = copyOf(alice);
      // The thief's request loads the session; the logout completes before it writes back.
      store.onNextGet("after", async () => {
        if (ending === "logout") await visit(app, "/destroy", copyOf(alice));
        else await memory.delete(body.id);
      });
      const late = await visit(app, "/inc", copyOf(stolen));
      expect(late.status).toBe(200);
      expect(memory.size).toBe(0); // nothing written back
      const replay = await visit(app, "/read", stolen);
      expect(replay.body).toMatchObject({ isNew: true, invalid: "missing", data: {} });
      expect(replay.text).not.toContain("alice");
    }
  });

  it("server-side: session fixation (a cookie planted before login) is useless after login regenerates the id", async () => {
    const { app } = site("store");
    const planted = jar();
    await visit(app, "/inc", planted); // the attacker's own anonymous session
    const victim = copyOf(planted); // planted in the victim's browser
    await visit(app, "/user/victim", victim);
    await visit(app, "/regenerate", victim); // what a login handler does
    const attacker = await visit(app, "/read", planted);
    expect(attacker.body).toMatchObject({ isNew: true, invalid: "missing", data: {} });
    expect((await visit(app, "/read", victim)).body.data).toMatchObject({ user: "victim" });
  });

  it("overflow: a replayed pointer to a destroyed big session finds nothing (the stored copy is deleted)", async () => {
    const { app } = site("overflow");
    const alice = jar();
    await visit(app, "/user/alice", alice);
    await visit(app, "/big/5000", alice);
    const stolen = copyOf(alice);
    await visit(app, "/destroy", alice);
    expect((await visit(app, "/read", stolen)).body).toMatchObject({ isNew: true, invalid: "missing", data: {} });
  });

  it("overflow: a small session lives in the cookie, so its replay after destroy() still opens (stateless limitation, as cookie mode)", async () => {
    const { app, memory } = site("overflow");
    const alice = jar();
    await visit(app, "/user/alice", alice);
    expect(await keysIn(memory)).toEqual([]); // nothing stored: nothing to revoke
    const stolen = copyOf(alice);
    await visit(app, "/destroy", alice);
    expect((await visit(app, "/read", stolen)).body).toMatchObject({ isNew: false, data: { user: "alice" } });
  });

  it("overflow: an old pointer replayed after the session moved to a new key finds nothing (no rollback to old data)", async () => {
    const { app } = site("overflow");
    const alice = jar();
    await visit(app, "/big/5000", alice);
    await visit(app, "/user/alice-v1", alice);
    const old = copyOf(alice);
    await visit(app, "/user/alice-v2", alice);
    expect((await visit(app, "/read", old)).body).toMatchObject({ isNew: true, invalid: "missing", data: {} });
    expect((await visit(app, "/read", alice)).body.data).toMatchObject({ user: "alice-v2" });
  });

  it("server-side over KV: a revoked session still opens at a location whose KV has not caught up (up to ~60 s; documented)", async () => {
    const clock = testClock(T0);
    const truth = new MemoryStore({ now: clock.now });
    const elsewhere = new LaggingStore(truth);
    const here = storeApp({ store: truth, now: clock.now });
    const there = storeApp({ store: elsewhere, now: clock.now });
    const alice = jar();
    await visit(here, "/user/alice", alice);
    await elsewhere.lag(); // the other location still sees the session
    const stolen = copyOf(alice);
    const copy = stolen.value;
    await visit(here, "/destroy", alice);
    expect((await visit(here, "/read", stolen)).body).toMatchObject({ isNew: true, invalid: "missing" });
    stolen.value = copy; // the thief keeps the copy whatever the Set-Cookie said
    expect((await visit(there, "/read", stolen)).body).toMatchObject({ isNew: false, data: { user: "alice" } });
    elsewhere.catchUp(); // KV propagated
    expect((await visit(there, "/read", stolen)).body).toMatchObject({ isNew: true, invalid: "missing", data: {} });
  });

  it("server-side: a stolen pointer is a bearer token until revoked; revoking it ends the thief's access at once", async () => {
    const { app, memory } = site("store");
    const alice = jar();
    const { body } = await visit(app, "/user/alice", alice);
    const thief = copyOf(alice);
    // Nothing binds a cookie to a browser: HttpOnly, Secure and SameSite keep it from being stolen.
    expect((await visit(app, "/read", thief)).body.data).toEqual({ user: "alice" });
    await memory.delete(body.id); // "log out all my sessions" / admin revocation
    expect((await visit(app, "/read", thief)).body).toMatchObject({ isNew: true, invalid: "missing", data: {} });
  });
});

describe("revocation with Durable Objects", () => {
  it("cookie mode with revocation checks: a cookie copied before logout is refused afterwards, in every location", async () => {
    const app = storeApp({ revocation: { namespace: env.SESSION_OBJECTS }, idleTimeout: 1800 });
    const elsewhere = storeApp({ revocation: { namespace: env.SESSION_OBJECTS }, idleTimeout: 1800 }); // another isolate
    const alice = jar();
    await visit(app, "/user/alice", alice);
    const stolen = copyOf(alice);
    expect((await visit(elsewhere, "/read", copyOf(alice))).body.data).toEqual({ user: "alice" });
    await visit(app, "/destroy", alice);
    for (const where of [app, elsewhere]) {
      const replay = await visit(where, "/read", copyOf(stolen));
      expect(replay.body).toMatchObject({ isNew: true, invalid: "revoked", data: {} });
      expect(replay.text).not.toContain("alice");
    }
  });

  it("server-side on the Durable Object store: replay after logout is refused at once, with no propagation window", async () => {
    const app = storeApp({ store: new DurableObjectStore(env.SESSION_OBJECTS), idleTimeout: 1800 });
    const elsewhere = storeApp({ store: new DurableObjectStore(env.SESSION_OBJECTS), idleTimeout: 1800 });
    const alice = jar();
    await visit(app, "/user/alice", alice);
    const stolen = copyOf(alice);
    await visit(app, "/destroy", alice);
    for (const where of [app, elsewhere]) {
      const replay = await visit(where, "/read", copyOf(stolen));
      expect(replay.body).toMatchObject({ isNew: true, data: {} });
      expect(["missing", "revoked"]).toContain(replay.body.invalid);
    }
  });
});

describe("log out everywhere with Durable Objects (cookie mode, revocation.recheckAfter)", () => {
  const IDLE = 1800;
  /** A cookie-mode app on `clock` whose login links the session to its user. */
  function linkedApp(clock: ReturnType<typeof testClock>, recheckAfter: number, touchAfter = 60) {
    const hono = new Hono<{ Variables: SessionVariables }>();
    hono.use(
      session({
        secret: SECRET,
        idleTimeout: IDLE,
        touchAfter,
        now: clock.now,
        revocation: { namespace: env.SESSION_OBJECTS, recheckAfter },
      }),
    );
    hono.post("/login/:user", async (c) => {
      const s = await c.var.session.load();
      s.regenerate();
      s.set("user", c.req.param("user"));
      await linkSession(env.SESSION_OBJECTS, s, c.req.param("user"));
      return c.text("ok");
    });
    hono.get("/me", async (c) => c.json({ user: (await (await c.var.session.load()).get("user")) ?? null }));
    hono.post("/write", async (c) => {
      const s = await c.var.session.load();
      s.set("at", clock.now());
      return c.json({ user: (await s.get("user")) ?? null });
    });
    hono.post("/logout", (c) => {
      c.var.session.destroy();
      return c.text("bye");
    });
    return hono;
  }

  /** The session id and user of a linked session, as its objects know them. */
  async function linkOf(user: string): Promise<{ id: string; seq: number }> {
    const [entry] = await env.SESSION_OBJECTS.getByName(`u:${user}`).sessions();
    return { id: entry!.id, seq: entry!.seq };
  }

  /**
   * revokeSession or revokeAllSessions as another isolate runs them (straight on the objects: this isolate's
   * memory of its own revocations knows nothing); revokeSession remembers the revocation as long as the same
   * middleware there would have it remembered.
   */
  const elsewhere = {
    async revokeSession(user: string) {
      const { id, seq } = await linkOf(user);
      await env.SESSION_OBJECTS.getByName(`s:${id}`).revoke(revocationBoundOf(env.SESSION_OBJECTS)!);
      await env.SESSION_OBJECTS.getByName(`u:${user}`).removeSessions([{ id, seq }]);
    },
    async revokeAllSessions(user: string) {
      await env.SESSION_OBJECTS.getByName(`u:${user}`).revokeAll([]);
    },
  };

  it.each(["revokeSession", "revokeAllSessions"] as const)(
    "a copied cookie that keeps being used (every response kept: writes and rolls reseal it without a call) works at most recheckAfter (30 s) after %s elsewhere, never longer",
    async (revocation) => {
      const clock = testClock(Date.now());
      const app = linkedApp(clock, 30);
      const user = `keeps-${crypto.randomUUID()}`;
      const alice = jar();
      alice.take(await app.request(`/login/${user}`, { method: "POST" }));
      for (let s = 0; s < 45; s++) {
        clock.advance(1);
        alice.take(await app.request("/me", { headers: alice.header() }));
      }
      const stolen = copyOf(alice);
      await elsewhere[revocation](user);
      let lastAccepted = -1;
      for (let s = 0; s <= 200; s++) {
        const res = await app.request(s % 2 ? "/write" : "/me", { method: s % 2 ? "POST" : "GET", headers: stolen.header() });
        stolen.take(res);
        if ((await res.json<{ user: unknown }>()).user === user) lastAccepted = s;
        clock.advance(1);
      }
      expect(lastAccepted).toBeGreaterThanOrEqual(0);
      expect(lastAccepted).toBeLessThan(30);
    },
  );

  /** Moves the app's clock and the session object's (which judges how long a revocation lasts). */
  async function advance(clock: ReturnType<typeof testClock>, id: string, seconds: number): Promise<void> {
    clock.advance(seconds);
    await runInDurableObject(env.SESSION_OBJECTS.getByName(`s:${id}`), (object: SessionObject) => {
      const base = object.clock;
      object.clock = () => base() + seconds * 1000;
    });
  }

  it("a copy resealed by a write just before its re-check is due, after revokeSession elsewhere, is refused when it comes back at the end of its new idle limit (the revocation outlives idle + recheckAfter)", async () => {
    const clock = testClock(Date.now());
    const recheckAfter = 120;
    const app = linkedApp(clock, recheckAfter, recheckAfter);
    const user = `resealed-${crypto.randomUUID()}`;
    const alice = jar();
    alice.take(await app.request(`/login/${user}`, { method: "POST" }));
    const { id } = await linkOf(user);
    await advance(clock, id, 1000); // well after login: what the link was given then covers nothing any more
    alice.take(await app.request("/me", { headers: alice.header() })); // checked now
    const stolen = copyOf(alice);
    await elsewhere.revokeSession(user);
    await advance(clock, id, recheckAfter - 1);
    const write = await app.request("/write", { method: "POST", headers: stolen.header() });
    expect(await write.json()).toEqual({ user }); // its confirmation is still fresh: no check yet, by design
    expect(stolen.take(write)).toBeDefined(); // resealed: its idle deadline is now IDLE from here
    await advance(clock, id, IDLE - 2);
    expect(await (await app.request("/me", { headers: stolen.header() })).json()).toEqual({ user: null });
  });

  it("log out in one isolate is remembered as long as a copy resealed elsewhere within recheckAfter can be accepted", async () => {
    const clock = testClock(Date.now());
    const recheckAfter = 120;
    const app = linkedApp(clock, recheckAfter, recheckAfter);
    const user = `logout-${crypto.randomUUID()}`;
    const alice = jar();
    alice.take(await app.request(`/login/${user}`, { method: "POST" }));
    const { id } = await linkOf(user);
    await advance(clock, id, 1000);
    alice.take(await app.request("/me", { headers: alice.header() }));
    const stub = env.SESSION_OBJECTS.getByName(`s:${id}`);
    const loggedOutAt = await runInDurableObject(stub, (object: SessionObject) => object.clock());
    alice.take(await app.request("/logout", { method: "POST", headers: alice.header() }));
    // Elsewhere a copy still fresh may be resealed up to recheckAfter later, and then accepted for IDLE more.
    const { until } = await runInDurableObject(stub, (_object: SessionObject, state) => state.storage.kv.get<{ until: number }>("tomb")!);
    expect(until - loggedOutAt).toBeGreaterThanOrEqual((recheckAfter + IDLE) * 1000);
  });

  it("a cookie copied before revokeAllSessions elsewhere works at most recheckAfter (30 s) more, never longer; where it ran, not at all", async () => {
    const clock = testClock(Date.now());
    const [here, elsewhere] = [linkedApp(clock, 30), linkedApp(clock, 30)];
    const user = `victim-${crypto.randomUUID()}`;
    const alice = jar();
    alice.take(await here.request(`/login/${user}`, { method: "POST" }));
    clock.advance(5);
    expect(await (await elsewhere.request("/me", { headers: alice.header() })).json()).toEqual({ user });
    const stolen = copyOf(alice);
    // Another isolate runs the revocation (straight on the user's object: this isolate's memory knows nothing).
    await env.SESSION_OBJECTS.getByName(`u:${user}`).revokeAll([]);
    let lastAccepted = -1;
    for (let s = 0; s <= 90; s++) {
      if ((await (await elsewhere.request("/me", { headers: stolen.header() })).json<{ user: unknown }>()).user === user) lastAccepted = s;
      clock.advance(1);
    }
    expect(lastAccepted).toBeLessThan(30);
    const bob = jar();
    const other = `victim-${crypto.randomUUID()}`;
    bob.take(await here.request(`/login/${other}`, { method: "POST" }));
    clock.advance(5);
    expect(await (await here.request("/me", { headers: bob.header() })).json()).toEqual({ user: other });
    await revokeAllSessions(env.SESSION_OBJECTS, other); // made in this isolate: applies here at once
    expect(await (await here.request("/me", { headers: bob.header() })).json()).toEqual({ user: null });
  });

  it("the user's object losing its state after revokeAllSessions does not bring the ended sessions back", async () => {
    const clock = testClock(Date.now());
    const app = linkedApp(clock, 0);
    const user = `reset-${crypto.randomUUID()}`;
    const alice = jar();
    alice.take(await app.request(`/login/${user}`, { method: "POST" }));
    expect(await (await app.request("/me", { headers: alice.header() })).json()).toEqual({ user });
    await env.SESSION_OBJECTS.getByName(`u:${user}`).revokeAll([]);
    await runInDurableObject(env.SESSION_OBJECTS.getByName(`u:${user}`), (_object, state) => state.storage.deleteAll());
    expect(await (await app.request("/me", { headers: alice.header() })).json()).toEqual({ user: null });
  });
});

describe("pointer cookies", () => {
  it("a pointer spliced from two users' pointers (header and IV of one, ciphertext of the other) is refused as tampered", async () => {
    for (const mode of ["store", "overflow"] as const) {
      const { app } = site(mode);
      const alice = jar();
      const mallory = jar();
      for (const [who, j] of [
        ["alice", alice],
        ["mallory", mallory],
      ] as const) {
        await visit(app, `/user/${who}`, j);
        await visit(app, "/big/5000", j);
      }
      const a = alice.value!.split(".");
      const m = mallory.value!.split(".");
      mallory.value = [m[0], m[1], m[2], a[3], m[4]].join(".");
      const read = await visit(app, "/read", mallory);
      expect(read.body).toMatchObject({ isNew: true, invalid: "tampered", data: {} });
      expect(read.text).not.toContain("alice");
    }
  });

  it("a pointer of one mode does not open in the other (server-side id vs overflow key)", async () => {
    const clock = testClock(T0);
    const memory = new MemoryStore({ now: clock.now });
    const server = storeApp({ store: memory, now: clock.now });
    const overflow = storeApp({ overflow: memory, now: clock.now });
    const s = jar();
    await visit(server, "/user/ada", s);
    const o = jar();
    await visit(overflow, "/big/5000", o);
    expect((await visit(overflow, "/read", s)).body).toMatchObject({ isNew: true, invalid: "not-a-session" });
    expect((await visit(server, "/read", o)).body).toMatchObject({ isNew: true, invalid: "not-a-session" });
  });

  it("a pointer sealed with the key but naming a key outside the session namespace (../, prefix escape) never reaches the store", async () => {
    const key = await rawKey(SECRET, NAME);
    const { kid } = (await createKeyring(SECRET, { purpose: NAME })).current;
    const memory = new CountingStore(new MemoryStore());
    const app = storeApp({ store: memory });
    for (const target of ["../admin", "other-app:AAAAAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAAAAA/../../x", "", "A".repeat(200)]) {
      const cookies = jar();
      cookies.value = await forgeJwe({ header: { alg: "dir", enc: "A256GCM", kid }, plaintext: JSON.stringify({ s: target }), key });
      expect((await visit(app, "/read", cookies)).body).toMatchObject({ isNew: true, invalid: "not-a-session", data: {} });
    }
    expect(memory.calls).toEqual([]);
  });

  it("someone who can read KV (ids, ciphertext) cannot turn a session id into a cookie", async () => {
    const { app, memory } = site("store");
    const alice = jar();
    const { body } = await visit(app, "/user/alice", alice);
    const [id] = await keysIn(memory);
    expect(id).toBe(body.id);
    const forger = jar();
    for (const value of [id!, (await memory.get(id!))!]) {
      forger.value = value;
      const read = await visit(app, "/read", forger);
      expect(read.body).toMatchObject({ isNew: true, data: {} });
      expect(["malformed", "not-a-session", "tampered", "too-large"]).toContain(read.body.invalid);
    }
  });
});

describe("stored values", () => {
  it("server-side: a KV value copied under another session's id opens for nobody (values are bound to their key)", async () => {
    const { app, memory } = site("store");
    const alice = jar();
    const mallory = jar();
    const a = await visit(app, "/user/alice", alice);
    const m = await visit(app, "/user/mallory", mallory);
    await memory.set(m.body.id, (await memory.get(a.body.id))!, { ttl: 600 });
    const read = await visit(app, "/read", mallory);
    expect(read.body).toMatchObject({ isNew: true, invalid: "tampered", data: {} });
    expect(read.text).not.toContain("alice");
    expect((await visit(app, "/read", alice)).body.data).toEqual({ user: "alice" });
  });

  it("overflow: a KV value copied under another user's key opens for nobody", async () => {
    const { app, memory } = site("overflow");
    const alice = jar();
    await visit(app, "/user/alice", alice);
    await visit(app, "/big/5000", alice);
    const [aliceKey] = await keysIn(memory);
    const mallory = jar();
    await visit(app, "/user/mallory", mallory);
    await visit(app, "/big/5000", mallory);
    const malloryKey = (await keysIn(memory)).find((k) => k !== aliceKey)!;
    await memory.set(malloryKey, (await memory.get(aliceKey!))!, { ttl: 600 });
    const read = await visit(app, "/read", mallory);
    expect(read.body).toMatchObject({ isNew: true, invalid: "tampered", data: {} });
    expect(read.text).not.toContain("alice");
  });

  it("a KV value copied to the same key under another prefix (another tenant, same secret) opens for nobody there", async () => {
    const run = crypto.randomUUID();
    const [a, b] = [new KVStore(env.SESSIONS, { prefix: `${run}-tenant-a:` }), new KVStore(env.SESSIONS, { prefix: `${run}-tenant-b:` })];
    for (const mode of ["store", "overflow"] as const) {
      const [tenantA, tenantB] = [storeApp({ [mode]: a }), storeApp({ [mode]: b })];
      const alice = jar();
      await visit(tenantA, "/user/alice", alice);
      await visit(tenantA, "/big/5000", alice);
      for (const { name } of (await a.list()).keys) await b.set(name, (await a.get(name))!, { ttl: 600 });
      const read = await visit(tenantB, "/read", copyOf(alice)); // alice's cookie, presented to tenant b
      expect(read.body).toMatchObject({ isNew: true, invalid: "tampered", data: {} });
      expect(read.text).not.toContain("alice");
      expect((await visit(tenantA, "/read", alice)).body.data).toMatchObject({ user: "alice" });
    }
  });

  it("a KV value of another app sharing the namespace and the secret (other purpose) does not open here", async () => {
    const clock = testClock(T0);
    const shared = new MemoryStore({ now: clock.now });
    const admin = storeApp({ store: shared, purpose: "admin-app", now: clock.now });
    const shop = storeApp({ store: shared, purpose: "shop-app", now: clock.now });
    const a = jar();
    const { body } = await visit(admin, "/user/root", a);
    const s = jar();
    const mine = await visit(shop, "/user/customer", s);
    await shared.set(mine.body.id, (await shared.get(body.id))!, { ttl: 600 });
    expect((await visit(shop, "/read", s)).body).toMatchObject({ isNew: true, invalid: "unknown-key", data: {} });
  });

  it("a valid session token (sealed with the right keys) written as a KV value is refused: not bound to the key", async () => {
    const { app, memory } = site("store");
    const mallory = jar();
    const { body } = await visit(app, "/user/mallory", mallory);
    const keys = await createKeyring(SECRET, { purpose: NAME });
    const token = await sealSession({ data: { user: "admin" }, meta: { id: body.id, created: T0, lastUsed: T0, lifetime: 0 } }, keys);
    await memory.set(body.id, token, { ttl: 600 });
    expect((await visit(app, "/read", mallory)).body).toMatchObject({ isNew: true, invalid: "tampered", data: {} });
  });

  it.each([
    ["empty", ""],
    ["not a JWE", "hello world"],
    ["1 MB of junk", "A.B.C.D.".repeat(131072)],
    ["alg none", `${b64('{"alg":"none"}')}.${b64('"x"{}')}.`],
    ["a JWE of the right shape with a random key", "FORGED"],
  ])("a KV value that is %s gives a fresh session with a reason, not an error", async (_, value) => {
    const { app, memory } = site("store");
    const user = jar();
    const { body } = await visit(app, "/user/ada", user);
    const { kid } = (await createKeyring(SECRET, { purpose: NAME })).current;
    const stored =
      value === "FORGED"
        ? await forgeJwe({ header: { alg: "dir", enc: "A256GCM", kid }, plaintext: "{}", key: crypto.getRandomValues(new Uint8Array(32)) })
        : value;
    await memory.set(body.id, stored, { ttl: 600 });
    const read = await visit(app, "/read", user);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ isNew: true, data: {} });
    expect(["malformed", "algorithm", "tampered", "too-large"]).toContain(read.body.invalid);
  });

  it("old-key stored values after the key left the ring do not open (rotation really retires a key)", async () => {
    const clock = testClock(T0);
    const memory = new MemoryStore({ now: clock.now });
    const cookies = jar();
    await visit(storeApp({ store: memory, secret: [OLD_SECRET], now: clock.now }), "/user/ada", cookies);
    expect((await visit(storeApp({ store: memory, now: clock.now }), "/read", cookies)).body).toMatchObject({
      isNew: true,
      invalid: "unknown-key",
    });
  });
});

describe("store failures", () => {
  it("a store error carrying credentials (a connection string) reaches neither the response nor the error message", async () => {
    const credential = `redis://sessions:${SECRET}@10.0.0.7:6379`;
    const broken: SessionStore = {
      get: () => Promise.reject(new Error(`connect ECONNREFUSED ${credential}`)),
      set: () => Promise.reject(new Error(`connect ECONNREFUSED ${credential}`)),
      delete: () => Promise.reject(new Error(`connect ECONNREFUSED ${credential}`)),
    };
    const errors: unknown[] = [];
    const app = new Hono<{ Variables: SessionVariables }>();
    app.use(session({ secret: SECRET, store: broken }));
    app.get("/", async (c) => c.json(await c.var.session.all()));
    app.get("/caught", async (c) => {
      try {
        return c.json(await c.var.session.all());
      } catch (error) {
        errors.push(error);
        throw error;
      }
    });
    const { value } = await seeded();
    for (const path of ["/", "/caught"]) {
      const res = await app.request(path, { headers: { Cookie: `${NAME}=${value}` } });
      expect(res.status).toBe(503);
      const text = await res.text();
      expect(text).not.toContain(SECRET.slice(0, 16));
      expect(text).not.toContain("redis");
    }
    expect(errors[0]).toBeInstanceOf(SessionStoreError);
    const error = errors[0] as SessionStoreError;
    expect(`${error.message} ${String(error)} ${JSON.stringify(error)}`).not.toContain("redis");
    // The cause keeps the detail for the app's own logs.
    expect(String((error.cause as Error).message)).toContain("ECONNREFUSED");

    /** A valid server-side cookie to send (its store is elsewhere: the broken store fails every read). */
    async function seeded() {
      const cookies = jar();
      await visit(storeApp({ store: new MemoryStore() }), "/user/ada", cookies);
      return { value: cookies.value! };
    }
  });

  it("a custom store answering the wrong type (bytes, a number, a parsed object) gives a 503, never a crash; undefined is a miss", async () => {
    for (const mode of ["store", "overflow"] as const) {
      const { app, memory } = site(mode);
      const alice = jar();
      await visit(app, "/user/alice", alice);
      await visit(app, "/big/5000", alice);
      for (const [, answer] of WRONG_GET_ANSWERS) {
        const broken = storeApp({ [mode]: new MisansweringStore(memory, answer), now: () => T0 });
        const read = await visit(broken, "/read", copyOf(alice));
        expect(read.status).toBe(503);
        expect(read.text).not.toContain("alice");
        expect(read.setCookie).toBeUndefined();
      }
      const missing = storeApp({ [mode]: new MisansweringStore(new MemoryStore(), (value) => value ?? undefined), now: () => T0 });
      expect((await visit(missing, "/read", copyOf(alice))).body).toMatchObject({ isNew: true, invalid: "missing", data: {} });
    }
  });

  it("KV itself (the real binding) holds only ciphertext: no session data or user name readable in any value or key", async () => {
    const kv = kvStore();
    const app = storeApp({ store: kv });
    const cookies = jar();
    await visit(app, "/user/very-identifiable-name", cookies);
    const { keys } = await kv.list();
    expect(keys).toHaveLength(1);
    const stored = (await kv.get(keys[0]!.name))!;
    expect(stored).not.toContain("very-identifiable-name");
    expect(atobSafe(stored)).not.toContain("very-identifiable-name");
    expect(JSON.stringify(keys)).not.toContain("very-identifiable-name");
  });
});

describe("admin listings", () => {
  it("metadata forged by someone with KV write access (a session used in the year 287 000, timestamps out of order) is skipped and counted, not listed", async () => {
    const { app, memory } = site("store");
    const { body } = await visit(app, "/user/alice", jar());
    const s = T0 / 1000;
    const forged: Record<string, unknown>[] = [
      { created: s, lastUsed: 8_994_000_000_000, expires: 8_994_000_001_800 },
      { created: s, lastUsed: s - 600, expires: s + 1200 },
      { created: s - 600, lastUsed: s, expires: s - 1 },
      { created: s, lastUsed: s + 3600, expires: s + 5400 },
    ];
    for (const [i, metadata] of forged.entries()) await memory.set(`forged-${i}`, "x", { ttl: 600, metadata });
    const page = await listActiveSessions(memory, { now: T0 });
    expect(page.sessions.map((x) => x.key)).toEqual([body.id]);
    expect(page.skipped).toBe(forged.length);
  });
});

/** Every base64url segment decoded as Latin-1 text (a reader trying to peek at a JWE). */
function atobSafe(jwe: string): string {
  return jwe
    .split(".")
    .map((s) => {
      try {
        return atob(s.replace(/-/g, "+").replace(/_/g, "/"));
      } catch {
        return "";
      }
    })
    .join("|");
}
