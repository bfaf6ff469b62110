/**
 * RedisStore on a real redis-server (through test/redis-bridge.mjs): what it writes to Redis, its TTLs, its
 * key index, its tombstones, and its checks of configuration and input. The contract itself runs in
 * store-contract.test.ts; the server-side mode in redis-mode.test.ts.
 */
import { describe, expect, it } from "vitest";
import { Hono } from "hono";
import {
  EXPIRED_GRACE,
  listActiveSessions,
  purgeExpired,
  session,
  SessionConfigError,
  SessionStoreError,
  SessionTooLargeError,
  type SessionVariables,
} from "../src/index.js";
import { REDIS_LIMITS, RedisStore } from "../src/redis/index.js";
import { redis, redisStore, REDIS_TEST_TOKEN, REDIS_TEST_URL } from "./redis-helpers.js";
import { jar, SECRET, testClock } from "./helpers.js";

const metadata = { created: 1_800_000_000, lastUsed: 1_800_000_100, expires: 1_800_000_700 };

describe("RedisStore: what it writes", () => {
  it('keys are "session:" + key by default, a hash of value, version, expiry, deadline and metadata', async () => {
    const store = new RedisStore({ url: REDIS_TEST_URL, token: REDIS_TEST_TOKEN });
    expect(store.prefix).toBe("session:");
    const key = crypto.randomUUID();
    await store.set(key, "sealed", { ttl: 600, metadata });
    const hash = (await redis(["HGETALL", `session:${key}`])) as string[];
    const fields = Object.fromEntries(Array.from({ length: hash.length / 2 }, (_, i) => [hash[2 * i], hash[2 * i + 1]]));
    expect(Object.keys(fields).sort()).toEqual(["dl", "exp", "md", "v", "ver"]);
    expect(fields).toMatchObject({ v: "sealed", ver: "1", dl: String(metadata.expires), md: JSON.stringify(metadata) });
    await store.delete(key);
    expect(await redis(["EXISTS", `session:${key}`])).toBe(0);
  });

  it.each([
    [0.2, 1],
    [0, 1],
    [10.5, 11],
    [600, 600],
  ])("a ttl of %s s is a Redis TTL of %s s (whole seconds, rounded up, at least 1)", async (ttl, seconds) => {
    const store = redisStore();
    await store.set("k", "v", { ttl });
    const left = (await redis(["TTL", `${store.prefix}k`])) as number;
    expect(left).toBeLessThanOrEqual(seconds);
    expect(left).toBeGreaterThanOrEqual(seconds - 1);
  });

  it("lists from the key index and the metadata field: a key Redis dropped is not listed, and its index entry goes", async () => {
    const store = redisStore();
    for (const key of ["a", "b", "c"]) await store.set(key, "v", { ttl: 600, metadata: { key } });
    await redis(["DEL", `${store.prefix}b`]); // as Redis does when the TTL runs out
    expect((await store.list({})).keys.map((k) => [k.name, k.metadata])).toEqual([
      ["a", { key: "a" }],
      ["c", { key: "c" }],
    ]);
    expect(await redis(["ZCARD", `${store.prefix}\0keys`])).toBe(2);
  });

  it("every write drops index entries of keys Redis dropped, so the index stays near the live keys without listings", async () => {
    const store = redisStore();
    await store.set("gone", "v", { ttl: 600 });
    await redis(["DEL", `${store.prefix}gone`]);
    await store.set("live", "v", { ttl: 600 }); // the index has two entries: both are looked at
    expect(await redis(["ZRANGE", `${store.prefix}\0keys`, 0, -1])).toEqual(["live"]);
  });

  it("a cursor before or inside options.prefix lists from the prefix; one after it lists nothing", async () => {
    const store = redisStore();
    for (const key of ["a", "m:1", "m:2", "z"]) await store.set(key, "v", { ttl: 600 });
    const names = async (cursor: string) => (await store.list({ prefix: "m:", cursor })).keys.map((k) => k.name);
    expect(await names("a")).toEqual(["m:1", "m:2"]);
    expect(await names("m:1")).toEqual(["m:2"]);
    expect(await names("y")).toEqual([]);
  });
});

describe("RedisStore: tombstones", () => {
  it("a plain write over an ended key fails with SessionStoreError, and delete leaves the tombstone", async () => {
    const clock = testClock();
    const store = redisStore({ now: clock.now });
    await store.write("k", { value: "v", ttl: 600, expected: 0 });
    await store.end("k");
    await expect(store.set("k", "back", { ttl: 600 })).rejects.toBeInstanceOf(SessionStoreError);
    await store.delete("k");
    expect(await store.read("k")).toEqual({ state: "revoked" });
    expect(await store.get("k")).toBeNull();
    expect((await store.list({})).keys).toEqual([]); // an ended key is no session to list
    clock.advance(661);
    await store.set("k", "new", { ttl: 600 });
    expect(await store.get("k")).toBe("new");
  });
});

describe("RedisStore: configuration and input", () => {
  it.each([
    ["no options", undefined],
    ["no url", { token: "t" }],
    ["a url that is not http(s)", { url: "redis://localhost:6379", token: "t" }],
    ["no token", { url: REDIS_TEST_URL }],
    ["an empty token", { url: REDIS_TEST_URL, token: "" }],
    ["a prefix with NUL", { url: REDIS_TEST_URL, token: "t", prefix: "a\0" }],
    ["a prefix that is not a string", { url: REDIS_TEST_URL, token: "t", prefix: 1 }],
    ["an unknown onConflict", { url: REDIS_TEST_URL, token: "t", onConflict: "last" }],
    ["a clock that is not a function", { url: REDIS_TEST_URL, token: "t", now: 5 }],
  ])("refuses %s with SessionConfigError", (_, options) => {
    expect(() => new RedisStore(options as never)).toThrow(SessionConfigError);
  });

  it("never names the token in an error", () => {
    const secret = "secret token with spaces";
    let error: unknown;
    try {
      new RedisStore({ url: REDIS_TEST_URL, token: secret });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SessionConfigError);
    expect((error as Error).message).not.toContain(secret);
  });

  it.each([
    ["an empty key", "", "v"],
    ["a key with NUL", "a\0b", "v"],
    ["a key with a lone surrogate", "a\ud800", "v"],
    ["a value that is not a string", "k", 5],
    ["a value with a lone surrogate", "k", "\udc00"],
  ])("refuses %s before calling Redis", async (_, key, value) => {
    await expect(redisStore().set(key, value as string, { ttl: 60 })).rejects.toBeInstanceOf(SessionConfigError);
  });

  it("refuses values, keys and metadata over the limits with SessionTooLargeError", async () => {
    const store = redisStore();
    await expect(store.set("k", "x".repeat(REDIS_LIMITS.valueBytes + 1), { ttl: 60 })).rejects.toBeInstanceOf(SessionTooLargeError);
    await expect(store.set("k".repeat(REDIS_LIMITS.keyBytes), "v", { ttl: 60 })).rejects.toBeInstanceOf(SessionTooLargeError);
    await expect(store.set("k", "v", { ttl: 60, metadata: { pad: "x".repeat(REDIS_LIMITS.metadataBytes) } })).rejects.toBeInstanceOf(
      SessionTooLargeError,
    );
    expect(await store.get("k")).toBeNull();
  });

  it("a clock that answers garbage is a SessionConfigError, not every key live or dead", async () => {
    await expect(redisStore({ now: () => Number.NaN }).get("k")).rejects.toBeInstanceOf(SessionConfigError);
  });
});

describe("RedisStore: the admin helpers", () => {
  it("listActiveSessions reads the sessions' metadata from the listing, and purgeExpired deletes them once their grace is over", async () => {
    const clock = testClock();
    const store = redisStore({ now: clock.now });
    const app = new Hono<{ Variables: SessionVariables }>();
    app.use(session({ secret: SECRET, idleTimeout: 60, store, now: clock.now }));
    app.post("/", (c) => (c.var.session.set("n", 1), c.text("ok")));
    for (let i = 0; i < 3; i++) jar().take(await app.request("/", { method: "POST" }));
    const { sessions, cursor } = await listActiveSessions(store, { now: clock.now() });
    expect(sessions).toHaveLength(3);
    expect(cursor).toBeUndefined();
    for (const s of sessions) expect(s.expires).toBe(Math.floor(clock.now() / 1000) * 1000 + 60_000);
    clock.advance(61);
    expect((await listActiveSessions(store, { now: clock.now() })).sessions).toEqual([]);
    expect(await purgeExpired(store, { now: clock.now() })).toEqual({ scanned: 3, purged: 0 }); // still within the grace
    clock.advance(EXPIRED_GRACE);
    expect(await purgeExpired(store, { now: clock.now() })).toEqual({ scanned: 3, purged: 3 });
    expect((await store.list({})).keys).toEqual([]);
    expect(await redis(["ZCARD", `${store.prefix}\0keys`])).toBe(0);
  });
});
