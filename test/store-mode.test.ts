import { env } from "cloudflare:workers";
import { decodeProtectedHeader } from "jose";
import { describe, expect, it, vi } from "vitest";
import {
  createKeyring,
  EXPIRED_GRACE,
  MemoryStore,
  session,
  SessionConfigError,
  type SessionOptions,
  type SessionStore,
} from "../src/index.js";
import { jar, OLD_SECRET, SECRET, testClock } from "./helpers.js";
import { CountingStore, FaultyStore, kvStore, MisansweringStore, storeApp, visit, WRONG_GET_ANSWERS } from "./stores.js";

const COOKIE = "__Host-session";

function setup(options: Partial<SessionOptions> = {}, inner: SessionStore = kvStore()) {
  const faulty = new FaultyStore(inner);
  const counting = new CountingStore(faulty);
  return { inner, faulty, counting, app: storeApp({ store: counting, ...options }), cookies: jar() };
}

describe("server-side mode: round trips", () => {
  it("keeps data in KV under the session id, sealed; the cookie holds only a small sealed pointer", async () => {
    const kv = kvStore();
    const { app, cookies } = setup({}, kv);
    const first = await visit(app, "/user/ada-lovelace", cookies);
    expect(cookies.value!.length).toBeLessThan(200);
    const { keys } = await kv.list();
    expect(keys.map((k) => k.name)).toEqual([first.body.id]);
    const raw = (await kv.get(first.body.id))!;
    expect(raw).not.toContain("ada");
    const nowSeconds = Math.floor(Date.now() / 1000);
    expect(keys[0]!.metadata).toEqual({
      created: expect.any(Number),
      lastUsed: expect.any(Number),
      expires: expect.any(Number),
      lifetime: 0, // a browser session: the cookie has no Max-Age
    });
    expect(Math.abs((keys[0]!.metadata!.created as number) - nowSeconds)).toBeLessThanOrEqual(2);

    const second = await visit(app, "/inc", cookies);
    expect(second.body).toMatchObject({ id: first.body.id, isNew: false, data: { user: "ada-lovelace", count: 1 } });
    expect(second.setCookie).toBeUndefined(); // the data changed, the pointer did not
    expect((await visit(app, "/inc", cookies)).body.data.count).toBe(2);
  });

  it("holds large sessions without any cookie growth", async () => {
    const { app, cookies } = setup();
    await visit(app, "/big/100000", cookies);
    expect(cookies.value!.length).toBeLessThan(200);
    expect((await visit(app, "/read", cookies)).body.data.big).toHaveLength(100000);
  });

  it("keeps a flash for exactly one request, in the store", async () => {
    const { app, cookies } = setup();
    await visit(app, "/user/ada", cookies);
    await visit(app, "/flash/saved", cookies);
    expect(await (await app.request("/take", { headers: cookies.header() })).json()).toEqual({ notice: "saved" });
    expect(await (await app.request("/take", { headers: cookies.header() })).json()).toEqual({ notice: null });
  });

  it("reads the store once to load a session and once more before writing it back; never on untouched routes", async () => {
    const { counting, app, cookies } = setup();
    await visit(app, "/inc", cookies);
    expect(counting.calls.map((c) => c.operation)).toEqual(["set"]); // a new session: nothing to read
    counting.reset();
    const { body } = await visit(app, "/inc", cookies);
    // The second read checks that the session was not destroyed meanwhile (a logout must not be undone).
    expect(counting.calls).toEqual([
      { operation: "get", key: body.id },
      { operation: "get", key: body.id },
      { operation: "set", key: body.id },
    ]);
    counting.reset();
    await visit(app, "/read", cookies); // loaded, unchanged: no write, so no second read
    expect(counting.calls.map((c) => c.operation)).toEqual(["get"]);
    counting.reset();
    await visit(app, "/untouched", cookies);
    expect(counting.calls).toEqual([]);
  });

  it("regenerate re-reads the old id (still there: not logged out meanwhile), writes the new one, then deletes the old one", async () => {
    const { counting, app, cookies } = setup();
    const before = await visit(app, "/user/ada", cookies);
    counting.reset();
    const after = await visit(app, "/regenerate", cookies);
    expect(counting.calls).toEqual([
      { operation: "get", key: before.body.id },
      { operation: "get", key: before.body.id },
      { operation: "set", key: after.body.id },
      { operation: "delete", key: before.body.id },
    ]);
    expect((await visit(app, "/read", cookies)).body).toMatchObject({ id: after.body.id, data: { user: "ada" } });
  });

  it("writes nothing while an unchanged session is read within touchAfter, then rolls it with one write", async () => {
    const clock = testClock();
    const { counting, app, cookies } = setup({ now: clock.now, idleTimeout: 600 }, new MemoryStore({ now: clock.now }));
    await visit(app, "/inc", cookies);
    counting.reset();
    for (let i = 0; i < 5; i++) {
      clock.advance(10);
      expect((await visit(app, "/read", cookies)).setCookie).toBeUndefined();
    }
    expect(counting.count("get")).toBe(5);
    expect(counting.count("set")).toBe(0);
    clock.advance(20); // 70 s since the last write: past touchAfter (60 s)
    const rolled = await visit(app, "/read", cookies);
    expect(counting.count("set")).toBe(1);
    expect(counting.count("get")).toBe(7); // the roll's load, and its check that the session still exists
    expect(rolled.setCookie).toBeUndefined(); // lastUsed moved in the store; the pointer stays
  });
});

describe("server-side mode: expiry from the sealed metadata", () => {
  it("refuses a session idle longer than idleTimeout and says why", async () => {
    const clock = testClock();
    const store = new MemoryStore({ now: clock.now });
    const { app, cookies } = setup({ now: clock.now, idleTimeout: 300 }, store);
    await visit(app, "/user/ada", cookies);
    clock.advance(299);
    expect((await visit(app, "/read", cookies)).body).toMatchObject({ isNew: false, data: { user: "ada" } });
    clock.advance(301);
    const read = await visit(app, "/read", cookies);
    expect(read.body).toMatchObject({ isNew: true, expired: "idle", data: {} });
    expect(read.setCookie).toMatch(/Max-Age=600/); // the ended-session marker: the next page still reads why
    expect((await visit(app, "/read", cookies)).body).toMatchObject({ isNew: true, expired: "idle", data: {} });
  });

  it("refuses a session older than absoluteTimeout however active it is", async () => {
    const clock = testClock();
    const { app, cookies } = setup({ now: clock.now, idleTimeout: 300, absoluteTimeout: 900 }, new MemoryStore({ now: clock.now }));
    await visit(app, "/user/ada", cookies);
    for (let i = 0; i < 4; i++) {
      clock.advance(200);
      expect((await visit(app, "/inc", cookies)).body.isNew).toBe(false);
    }
    clock.advance(101);
    expect((await visit(app, "/read", cookies)).body).toMatchObject({ isNew: true, expired: "absolute" });
  });

  it("keeps the stored copy a grace period past its deadline to tell why, then drops it", async () => {
    const clock = testClock();
    const store = new MemoryStore({ now: clock.now });
    const { app, cookies } = setup({ now: clock.now, idleTimeout: 300 }, store);
    await visit(app, "/user/ada", cookies);
    const pointer = cookies.value;
    clock.advance(300 + EXPIRED_GRACE - 1);
    expect((await visit(app, "/read", cookies)).body).toMatchObject({ expired: "idle" });
    cookies.value = pointer;
    clock.advance(2);
    expect((await visit(app, "/read", cookies)).body).toMatchObject({ expired: null, invalid: "missing" });
    expect(store.size).toBe(0);
  });

  it("asks KV to keep the entry until the deadline plus the grace, and records the deadline in metadata", async () => {
    const kv = kvStore();
    const { app, cookies } = setup({ idleTimeout: 300 }, kv);
    const { body } = await visit(app, "/user/ada", cookies);
    const [key] = (await kv.list()).keys;
    const now = Math.floor(Date.now() / 1000);
    expect(key!.name).toBe(body.id);
    expect(key!.expiration! - now).toBeGreaterThanOrEqual(300 + EXPIRED_GRACE - 2);
    expect(key!.expiration! - now).toBeLessThanOrEqual(300 + EXPIRED_GRACE + 2);
    expect((key!.metadata!.expires as number) - now).toBeGreaterThanOrEqual(298);
    expect((key!.metadata!.expires as number) - now).toBeLessThanOrEqual(302);
  });
});

describe("server-side mode: revocation, regenerate, destroy", () => {
  it("deleting the id from the store revokes the session", async () => {
    const kv = kvStore();
    const { app, cookies } = setup({}, kv);
    const { body } = await visit(app, "/user/ada", cookies);
    await kv.delete(body.id);
    const read = await visit(app, "/read", cookies);
    expect(read.body).toMatchObject({ isNew: true, invalid: "missing", data: {} });
    expect(read.setCookie).toMatch(/Max-Age=600/); // the ended-session marker: the next page still reads why
    expect((await visit(app, "/read", cookies)).body).toMatchObject({ isNew: true, invalid: "missing", data: {} });
  });

  it("regenerate moves the session to a new id, deletes the old one and issues a new pointer", async () => {
    const kv = kvStore();
    const { app, cookies } = setup({}, kv);
    const before = await visit(app, "/user/ada", cookies);
    const oldPointer = cookies.value;
    const after = await visit(app, "/regenerate", cookies);
    expect(after.body.id).not.toBe(before.body.id);
    expect(after.setCookie).toBeDefined();
    expect((await kv.list()).keys.map((k) => k.name)).toEqual([after.body.id]);
    expect((await visit(app, "/read", cookies)).body).toMatchObject({ id: after.body.id, data: { user: "ada" } });
    cookies.value = oldPointer; // a fixated or stolen pre-login pointer is dead
    expect((await visit(app, "/read", cookies)).body).toMatchObject({ isNew: true, invalid: "missing" });
  });

  it("destroy deletes the stored session and expires the cookie", async () => {
    const kv = kvStore();
    const { app, cookies } = setup({}, kv);
    await visit(app, "/user/ada", cookies);
    const pointer = cookies.value;
    expect((await visit(app, "/destroy", cookies)).setCookie).toMatch(/Max-Age=0/);
    expect((await kv.list()).keys).toEqual([]);
    cookies.value = pointer;
    expect((await visit(app, "/read", cookies)).body).toMatchObject({ isNew: true, invalid: "missing" });
  });
});

describe("server-side mode: bad cookies and swapped values", () => {
  it("a value copied from another session's id gives a fresh session, never the other user's data", async () => {
    const kv = kvStore();
    const { app } = setup({}, kv);
    const alice = jar();
    const mallory = jar();
    const a = await visit(app, "/user/alice", alice);
    const m = await visit(app, "/user/mallory", mallory);
    await kv.set(m.body.id, (await kv.get(a.body.id))!, { ttl: 600 });
    const read = await visit(app, "/read", mallory);
    expect(read.body).toMatchObject({ isNew: true, invalid: "tampered", data: {} });
    expect(read.text).not.toContain("alice");
  });

  it("refuses cookie-mode sessions, overflow pointers and tampered pointers without reading the store", async () => {
    const { counting, app } = setup();
    const cookieMode = jar();
    await visit(storeApp(), "/user/ada", cookieMode);
    const overflow = jar();
    await visit(storeApp({ overflow: kvStore() }), "/big/5000", overflow);
    const tampered = jar();
    await visit(app, "/user/ada", tampered);
    tampered.value = tampered.value!.replace(/\.([\w-])([\w-]*)$/, (_, c: string, rest: string) => `.${c === "A" ? "B" : "A"}${rest}`);
    counting.reset();
    expect((await visit(app, "/read", cookieMode)).body).toMatchObject({ isNew: true, invalid: "not-a-session" });
    expect((await visit(app, "/read", overflow)).body).toMatchObject({ isNew: true, invalid: "not-a-session" });
    expect((await visit(app, "/read", tampered)).body).toMatchObject({ isNew: true, invalid: "tampered" });
    expect(counting.calls).toEqual([]);
  });

  it("rotates: pointer and stored value sealed with a previous secret are re-sealed with the current one", async () => {
    const kv = kvStore();
    const cookies = jar();
    const { body } = await visit(storeApp({ store: kv, secret: OLD_SECRET }), "/user/ada", cookies);
    const read = await visit(storeApp({ store: kv, secret: [SECRET, OLD_SECRET] }), "/read", cookies);
    expect(read.body).toMatchObject({ id: body.id, isNew: false, data: { user: "ada" } });
    expect(read.setCookie).toBeDefined();
    const { kid } = (await createKeyring(SECRET, { purpose: COOKIE })).current;
    expect(decodeProtectedHeader(cookies.value!).kid).toBe(kid);
    expect(decodeProtectedHeader((await kv.get(body.id))!).kid).toBe(kid);
    expect((await visit(storeApp({ store: kv, secret: SECRET }), "/read", cookies)).body.data).toEqual({ user: "ada" });
  });
});

describe("server-side mode: store faults lose and leak nothing", () => {
  it("a failed read is a 503 without data or cookie change; a write-only request does not start over", async () => {
    const { faulty, counting, app, cookies } = setup();
    await visit(app, "/user/alice-secret", cookies);
    faulty.fail("get");
    counting.reset();
    for (const path of ["/read", "/user/mallory"]) {
      const failed = await visit(app, path, cookies);
      expect(failed.status).toBe(503);
      expect(failed.setCookie).toBeUndefined();
      expect(failed.text).not.toContain("alice");
    }
    expect(counting.count("set")).toBe(0);
    faulty.heal();
    expect((await visit(app, "/read", cookies)).body.data.user).toBe("alice-secret");
  });

  it("a failed write is a 503 and the stored session keeps its previous data", async () => {
    const { faulty, app, cookies } = setup();
    await visit(app, "/user/ada", cookies);
    faulty.fail("set");
    expect((await visit(app, "/user/mallory", cookies)).status).toBe(503);
    const fresh = jar();
    const first = await visit(app, "/user/bob", fresh); // a new session whose first write fails gets no pointer
    expect(first.status).toBe(503);
    expect(fresh.value).toBeUndefined();
    faulty.heal();
    expect((await visit(app, "/read", cookies)).body.data.user).toBe("ada");
  });

  it("a write that hangs fails after storeTimeout, and the previous data stays", async () => {
    const { faulty, app, cookies } = setup({ storeTimeout: 2000 });
    await visit(app, "/user/ada", cookies);
    faulty.fail("set", "hang");
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const called = faulty.called("set");
      const pending = visit(app, "/user/mallory", cookies);
      await called;
      await vi.advanceTimersByTimeAsync(2000);
      const failed = await pending;
      expect(failed.status).toBe(503);
      expect(failed.setCookie).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
    faulty.heal();
    expect((await visit(app, "/read", cookies)).body.data.user).toBe("ada");
  });

  it("a failed delete on destroy or regenerate surfaces as a 503 and keeps the session as it was", async () => {
    const kv = kvStore();
    const { faulty, app, cookies } = setup({}, kv);
    const { body } = await visit(app, "/user/ada", cookies);
    faulty.fail("delete");
    for (const path of ["/destroy", "/regenerate"]) {
      const failed = await visit(app, path, cookies);
      expect(failed.status).toBe(503);
      expect(failed.setCookie).toBeUndefined();
    }
    faulty.heal();
    expect((await visit(app, "/read", cookies)).body).toMatchObject({ id: body.id, data: { user: "ada" } });
  });
});

describe("server-side mode: a custom store whose get breaks the contract", () => {
  it.each(WRONG_GET_ANSWERS)("a get answering %s is a 503 (SessionStoreError), never a 500 or a fresh session", async (_, answer) => {
    const memory = new MemoryStore();
    const cookies = jar();
    await visit(storeApp({ store: memory }), "/user/alice-secret", cookies);
    const app = storeApp({ store: new MisansweringStore(memory, answer) });
    for (const path of ["/read", "/user/mallory"]) {
      const failed = await visit(app, path, cookies);
      expect(failed.status).toBe(503);
      expect(failed.text).toBe("Service Unavailable");
      expect(failed.setCookie).toBeUndefined();
    }
    expect((await visit(storeApp({ store: memory }), "/read", cookies)).body.data).toEqual({ user: "alice-secret" });
  });

  it("a get answering undefined for a miss reads as a miss: a fresh session, told why", async () => {
    const memory = new MemoryStore();
    const app = storeApp({ store: new MisansweringStore(memory, (value) => value ?? undefined) });
    const cookies = jar();
    const { body } = await visit(app, "/user/ada", cookies);
    expect((await visit(app, "/inc", cookies)).body.data).toEqual({ user: "ada", count: 1 }); // hits still work
    await memory.delete(body.id);
    const read = await visit(app, "/read", cookies);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ isNew: true, invalid: "missing", data: {} });
  });
});

describe("store and overflow options", () => {
  it("wraps a KV binding given directly or per request, and tells a missing binding apart", async () => {
    const direct = jar();
    await visit(storeApp({ store: env.SESSIONS }), "/user/ada", direct);
    expect((await visit(storeApp({ store: env.SESSIONS }), "/read", direct)).body.data.user).toBe("ada");

    const perRequest = storeApp({ overflow: (c) => (c.env as Cloudflare.Env).SESSIONS });
    const cookies = jar();
    await visit(perRequest, "/big/5000", cookies, env);
    expect((await visit(perRequest, "/read", cookies, env)).body.data.big).toHaveLength(5000);

    const missing = storeApp({ store: (c) => (c.env as { NOPE: KVNamespace }).NOPE });
    const res = await missing.request("/user/ada", {}, env);
    expect(res.status).toBe(500);
  });

  it("refuses overflow and store together, values that are not stores, and a bad storeTimeout, at start-up", () => {
    expect(() => session({ secret: SECRET, overflow: env.SESSIONS, store: env.SESSIONS })).toThrow(SessionConfigError);
    expect(() => session({ secret: SECRET, store: new Map() as unknown as SessionStore })).toThrow(
      "store must be a KV namespace binding or a SessionStore (got object)",
    );
    expect(() => session({ secret: SECRET, overflow: undefined as unknown as SessionStore, store: {} as SessionStore })).toThrow(
      SessionConfigError,
    );
    expect(() => session({ secret: SECRET, store: env.SESSIONS, storeTimeout: -1 })).toThrow(SessionConfigError);
    expect(() => session({ secret: SECRET, store: new MemoryStore(), storeTimeout: 0 })).not.toThrow();
  });
});
