import { decodeProtectedHeader } from "jose";
import { describe, expect, it, vi } from "vitest";
import { COOKIE_LIMIT, createKeyring, MemoryStore, sealSession, type SessionOptions, type SessionStore } from "../src/index.js";
import { STORE_TIMEOUT } from "../src/modes/choose.js";
import { jar, OLD_SECRET, SECRET, testClock } from "./helpers.js";
import { CountingStore, FaultyStore, INJECTED, kvStore, MisansweringStore, storeApp, visit, WRONG_GET_ANSWERS } from "./stores.js";

const COOKIE = "__Host-session";
/** Name + value within which the whole Set-Cookie line, "=" and the default attributes included, is 4096 bytes. */
const LINE = COOKIE_LIMIT - "=; Path=/; HttpOnly; Secure; SameSite=Lax".length;

/** The largest `big` whose session still fits in the cookie (name + value <= 4096 bytes), found by sealing. */
async function largestInline(now: number): Promise<number> {
  const keys = await createKeyring(SECRET, { purpose: COOKIE });
  const size = async (n: number) =>
    COOKIE.length +
    (await sealSession({ data: { big: "x".repeat(n) }, meta: { id: "A".repeat(22), created: now, lastUsed: now, lifetime: 0 } }, keys))
      .length;
  let n = 3000;
  while ((await size(n + 1)) <= LINE) n++;
  while ((await size(n)) > LINE) n--;
  return n;
}

/** Keys a store holds. */
async function keysIn(store: SessionStore): Promise<string[]> {
  return (await store.list!({})).keys.map((k) => k.name);
}

function setup(options: Partial<SessionOptions> = {}) {
  const kv = kvStore();
  const faulty = new FaultyStore(kv);
  const counting = new CountingStore(faulty);
  const app = storeApp({ overflow: counting, ...options });
  return { kv, faulty, counting, app, cookies: jar() };
}

describe("overflow mode: the cookie limit", () => {
  it("keeps a session that just fits in the cookie, and moves one byte more to KV behind a pointer, back and forth", async () => {
    const clock = testClock();
    const { kv, counting, app, cookies } = setup({ now: clock.now });
    const n = await largestInline(clock.now());

    const fits = await visit(app, `/big/${n}`, cookies);
    expect(COOKIE.length + cookies.value!.length).toBeLessThanOrEqual(LINE); // the whole Set-Cookie line within 4096 bytes
    expect(COOKIE.length + cookies.value!.length).toBeGreaterThan(LINE - 4); // base64url: within 3 bytes of the limit
    expect(counting.count("set")).toBe(0);
    expect(await keysIn(kv)).toEqual([]);

    const over = await visit(app, `/big/${n + 1}`, cookies);
    expect(over.body.id).toBe(fits.body.id);
    expect(cookies.value!.length).toBeLessThan(200); // a small sealed pointer
    const [first] = await keysIn(kv);
    expect(counting.keys("set")).toEqual([first]);
    expect((await visit(app, "/read", cookies)).body.data.big).toHaveLength(n + 1);

    const back = await visit(app, `/big/${n}`, cookies);
    expect(back.body.data.big).toHaveLength(n);
    expect(COOKIE.length + cookies.value!.length).toBeLessThanOrEqual(LINE);
    expect(await keysIn(kv)).toEqual([]); // the KV entry is deleted once the session is back in the cookie
    expect(counting.keys("delete")).toEqual([first]);

    await visit(app, `/big/${n + 1}`, cookies);
    const [second] = await keysIn(kv);
    expect(second).not.toBe(first); // a fresh key for every write
    const read = await visit(app, "/read", cookies);
    expect(read.body).toMatchObject({ id: fits.body.id, isNew: false, invalid: null });
    expect(read.body.data.big).toHaveLength(n + 1);
  });

  it("reads sessions sealed by the cookie-only mode (switching modes keeps users logged in)", async () => {
    const cookies = jar();
    await visit(storeApp(), "/user/ada", cookies);
    const { app } = setup();
    expect((await visit(app, "/read", cookies)).body).toMatchObject({ isNew: false, data: { user: "ada" } });
  });
});

describe("overflow mode: pointer lifecycle", () => {
  it("writes every change under a fresh key and deletes the one it replaced", async () => {
    const { kv, counting, app, cookies } = setup();
    await visit(app, "/big/5000", cookies);
    const [k1] = await keysIn(kv);
    await visit(app, "/inc", cookies);
    const [k2] = await keysIn(kv);
    expect(k2).not.toBe(k1);
    expect(counting.keys("set")).toEqual([k1, k2]);
    expect(counting.keys("delete")).toEqual([k1]);
    expect((await visit(app, "/read", cookies)).body.data).toMatchObject({ count: 1 });
  });

  it("moves the session to a new key on regenerate and deletes the old one", async () => {
    const { kv, app, cookies } = setup();
    const before = await visit(app, "/big/5000", cookies);
    const [k1] = await keysIn(kv);
    const after = await visit(app, "/regenerate", cookies);
    expect(after.body.id).not.toBe(before.body.id);
    const keys = await keysIn(kv);
    expect(keys).toHaveLength(1);
    expect(keys).not.toContain(k1);
    expect((await visit(app, "/read", cookies)).body).toMatchObject({ id: after.body.id, isNew: false });
  });

  it("deletes the KV entry on destroy and expires the cookie", async () => {
    const { kv, app, cookies } = setup();
    await visit(app, "/big/5000", cookies);
    const pointer = cookies.value!;
    const destroyed = await visit(app, "/destroy", cookies);
    expect(destroyed.setCookie).toMatch(/Max-Age=0/);
    expect(await keysIn(kv)).toEqual([]);
    // A copy of the pointer taken before the logout now points at nothing.
    cookies.value = pointer;
    expect((await visit(app, "/read", cookies)).body).toMatchObject({ isNew: true, invalid: "missing", data: {} });
  });

  it("keeps a flash for exactly one request when the session lives in KV", async () => {
    const { app, cookies } = setup();
    await visit(app, "/big/5000", cookies);
    await visit(app, "/flash/saved", cookies);
    expect((await visit(app, "/take", cookies)).text).toBe('{"notice":"saved"}');
    expect((await visit(app, "/take", cookies)).text).toBe('{"notice":null}');
    expect((await visit(app, "/read", cookies)).body.data.big).toHaveLength(5000);
  });

  it("does not read or write KV for a small session, nor for a route that never touches the session", async () => {
    const { counting, app, cookies } = setup();
    await visit(app, "/inc", cookies);
    await visit(app, "/read", cookies);
    await visit(app, "/big/5000", cookies);
    counting.reset();
    await visit(app, "/untouched", cookies);
    expect(counting.calls).toEqual([]);
  });

  it("writes nothing while an unchanged big session is read within touchAfter, and rolls it once after", async () => {
    const clock = testClock();
    const { counting, app, cookies } = setup({ now: clock.now, idleTimeout: 600 }); // touchAfter 60 s
    await visit(app, "/big/5000", cookies);
    counting.reset();
    for (let i = 0; i < 5; i++) {
      clock.advance(10);
      const read = await visit(app, "/read", cookies);
      expect(read.setCookie).toBeUndefined();
    }
    expect(counting.count("get")).toBe(5);
    expect(counting.count("set")).toBe(0);
    clock.advance(20);
    expect((await visit(app, "/read", cookies)).setCookie).toBeDefined();
    expect(counting.count("set")).toBe(1);
    expect(counting.count("delete")).toBe(1);
  });

  it("rotates: a big session sealed with a previous secret is re-sealed with the current one, pointer and value", async () => {
    const kv = kvStore();
    const cookies = jar();
    await visit(storeApp({ overflow: kv, secret: OLD_SECRET }), "/big/5000", cookies);
    const rotated = storeApp({ overflow: kv, secret: [SECRET, OLD_SECRET] });
    const read = await visit(rotated, "/read", cookies);
    expect(read.body).toMatchObject({ isNew: false, invalid: null });
    expect(read.setCookie).toBeDefined();
    const current = await createKeyring(SECRET, { purpose: COOKIE });
    expect(decodeProtectedHeader(cookies.value!).kid).toBe(current.current.kid);
    const [key] = await keysIn(kv);
    expect(decodeProtectedHeader((await kv.get(key!))!).kid).toBe(current.current.kid);
    expect((await visit(storeApp({ overflow: kv, secret: SECRET }), "/read", cookies)).body.data.big).toHaveLength(5000);
  });
});

describe("overflow mode: bad pointers and swapped values", () => {
  it("a pointer to a missing key gives a fresh session with invalid 'missing' and replaces the cookie with an ended-session marker", async () => {
    const { kv, app, cookies } = setup();
    await visit(app, "/big/5000", cookies);
    await kv.delete((await keysIn(kv))[0]!); // expired or deleted behind the app's back
    const read = await visit(app, "/read", cookies);
    expect(read.body).toMatchObject({ isNew: true, invalid: "missing", data: {} });
    expect(read.setCookie).toMatch(/Max-Age=600/);
    expect((await visit(app, "/read", cookies)).body).toMatchObject({ isNew: true, invalid: "missing", data: {} });
  });

  it("a tampered pointer, or one sealed with another secret, never reaches KV", async () => {
    const { counting, app, cookies } = setup();
    await visit(app, "/big/5000", cookies);
    const pointer = cookies.value!;
    counting.reset();
    cookies.value = `${pointer.slice(0, -2)}${pointer.endsWith("AA") ? "BB" : "AA"}`;
    expect((await visit(app, "/read", cookies)).body).toMatchObject({ isNew: true, invalid: "tampered" });
    const other = jar();
    await visit(storeApp({ overflow: kvStore(), secret: OLD_SECRET }), "/big/5000", other);
    expect((await visit(app, "/read", other)).body).toMatchObject({ isNew: true, invalid: "unknown-key" });
    expect(counting.calls).toEqual([]);
  });

  it("a value copied from another session's key gives a fresh session, never the other user's data", async () => {
    const { kv, app } = setup();
    const alice = jar();
    const mallory = jar();
    await visit(app, "/user/alice", alice);
    await visit(app, "/big/5000", alice);
    const [aliceKey] = await keysIn(kv);
    await visit(app, "/user/mallory", mallory);
    await visit(app, "/big/5000", mallory);
    const malloryKey = (await keysIn(kv)).find((k) => k !== aliceKey)!;
    await kv.set(malloryKey, (await kv.get(aliceKey!))!, { ttl: 600 });
    const read = await visit(app, "/read", mallory);
    expect(read.body).toMatchObject({ isNew: true, invalid: "tampered", data: {} });
    expect(read.text).not.toContain("alice");
    expect((await visit(app, "/read", alice)).body.data.user).toBe("alice");
  });

  it("a server-side mode pointer does not open in overflow mode", async () => {
    const cookies = jar();
    const kv = kvStore();
    await visit(storeApp({ store: kv }), "/user/ada", cookies);
    expect((await visit(storeApp({ overflow: kv }), "/read", cookies)).body).toMatchObject({ isNew: true, invalid: "not-a-session" });
  });
});

describe("overflow mode: store faults lose and leak nothing", () => {
  it("a KV read that fails is a 503 with no session data and no cookie change; the session survives", async () => {
    const { faulty, app, cookies } = setup();
    await visit(app, "/user/alice-secret-data", cookies);
    await visit(app, "/big/5000", cookies);
    const pointer = cookies.value;
    faulty.fail("get");
    for (const path of ["/read", "/inc"]) {
      const failed = await visit(app, path, cookies);
      expect(failed.status).toBe(503);
      expect(failed.res.headers.get("Retry-After")).toBe("1");
      expect(failed.setCookie).toBeUndefined();
      expect(failed.text).not.toContain("alice");
      expect(failed.text).not.toContain(INJECTED);
    }
    expect(cookies.value).toBe(pointer);
    faulty.heal();
    expect((await visit(app, "/read", cookies)).body).toMatchObject({ isNew: false, data: { user: "alice-secret-data" } });
  });

  it("a write-only handler whose session cannot be read fails too, rather than overwriting it with a fresh one", async () => {
    const { faulty, counting, app, cookies } = setup();
    await visit(app, "/big/5000", cookies);
    faulty.fail("get");
    counting.reset();
    const failed = await visit(app, "/big/6000", cookies); // sets without reading first
    expect(failed.status).toBe(503);
    expect(counting.count("set")).toBe(0);
    faulty.heal();
    expect((await visit(app, "/read", cookies)).body.data.big).toHaveLength(5000);
  });

  it("a KV read that hangs fails with SessionStoreError after storeTimeout", async () => {
    const { faulty, app, cookies } = setup();
    await visit(app, "/big/5000", cookies);
    faulty.fail("get", "hang");
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const called = faulty.called("get");
      const pending = visit(app, "/read", cookies);
      await called;
      await vi.advanceTimersByTimeAsync(STORE_TIMEOUT - 1);
      let settled = false;
      void pending.then(() => (settled = true));
      await vi.advanceTimersByTimeAsync(0);
      expect(settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      const failed = await pending;
      expect(failed.status).toBe(503);
      expect(failed.setCookie).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });

  it("a KV write that fails keeps the previous cookie, which still opens to the previous data", async () => {
    const { faulty, app, cookies } = setup();
    await visit(app, "/user/ada", cookies);
    const inline = cookies.value;
    faulty.fail("set");
    const growing = await visit(app, "/big/5000", cookies); // would move to KV
    expect(growing.status).toBe(503);
    expect(growing.setCookie).toBeUndefined();
    expect(cookies.value).toBe(inline);
    faulty.heal();
    await visit(app, "/big/5000", cookies);
    const pointer = cookies.value;
    faulty.fail("set");
    const changing = await visit(app, "/big/6000", cookies); // would rewrite under a fresh key
    expect(changing.status).toBe(503);
    expect(cookies.value).toBe(pointer);
    faulty.heal();
    expect((await visit(app, "/read", cookies)).body.data).toMatchObject({ user: "ada", big: "x".repeat(5000) });
  });

  it("a failed clean-up delete after a move loses nothing: the new copy is served, the old one expires", async () => {
    const { kv, faulty, app, cookies } = setup();
    await visit(app, "/user/ada", cookies);
    await visit(app, "/big/5000", cookies);
    faulty.fail("delete");
    const shrunk = await visit(app, "/small", cookies);
    expect(shrunk.status).toBe(200);
    expect(shrunk.setCookie).toBeDefined();
    expect(await keysIn(kv)).toHaveLength(1); // left to its TTL
    faulty.heal();
    expect((await visit(app, "/read", cookies)).body).toMatchObject({ isNew: false, data: { user: "ada" } });
  });

  it("a failed delete on destroy surfaces as a 503 and leaves the session whole, not half-destroyed", async () => {
    const { faulty, app, cookies } = setup();
    await visit(app, "/user/ada", cookies);
    await visit(app, "/big/5000", cookies);
    faulty.fail("delete");
    const failed = await visit(app, "/destroy", cookies);
    expect(failed.status).toBe(503);
    expect(failed.setCookie).toBeUndefined();
    faulty.heal();
    expect((await visit(app, "/read", cookies)).body.data.user).toBe("ada");
    expect((await visit(app, "/destroy", cookies)).setCookie).toMatch(/Max-Age=0/);
  });
});

describe("overflow mode: a custom store whose get breaks the contract", () => {
  it.each(WRONG_GET_ANSWERS)("a get answering %s is a 503 (SessionStoreError), never a 500 or a fresh session", async (_, answer) => {
    const memory = new MemoryStore();
    const cookies = jar();
    await visit(storeApp({ overflow: memory }), "/user/alice-secret", cookies);
    await visit(storeApp({ overflow: memory }), "/big/5000", cookies);
    const app = storeApp({ overflow: new MisansweringStore(memory, answer) });
    for (const path of ["/read", "/big/6000"]) {
      const failed = await visit(app, path, cookies);
      expect(failed.status).toBe(503);
      expect(failed.text).toBe("Service Unavailable");
      expect(failed.setCookie).toBeUndefined();
    }
    expect((await visit(storeApp({ overflow: memory }), "/read", cookies)).body.data).toMatchObject({ user: "alice-secret" });
  });

  it("a get answering undefined for a miss reads as a miss: a fresh session, told why", async () => {
    const memory = new MemoryStore();
    const app = storeApp({ overflow: new MisansweringStore(memory, (value) => value ?? undefined) });
    const cookies = jar();
    await visit(app, "/big/5000", cookies);
    expect((await visit(app, "/read", cookies)).body.data.big).toHaveLength(5000); // hits still work
    const [key] = await keysIn(memory);
    await memory.delete(key!);
    const read = await visit(app, "/read", cookies);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ isNew: true, invalid: "missing", data: {} });
  });
});
