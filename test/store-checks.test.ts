import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { SessionConfigError, type SessionStore } from "../src/index.js";
import { DurableObjectStore } from "../src/durable-object/index.js";
import { EXPIRED_GRACE } from "../src/stores/stored-session.js";
import { storedRecord } from "../src/stores/versioned-checks.js";
import type { VersionedSessions } from "../src/stores/versioned.js";
import { d1Store, rowOf } from "./d1-helpers.js";
import { ifRedis, redisStore } from "./redis-helpers.js";
import { kvStore } from "./stores.js";

const stores: [string, () => SessionStore][] = [
  ["KVStore", kvStore],
  ["D1Store", () => d1Store()],
  ...ifRedis<[string, () => SessionStore]>(["RedisStore", () => redisStore()]),
  ["DurableObjectStore", () => new DurableObjectStore(env.SESSION_OBJECTS)],
];

describe.each(stores)("%s: one set of input checks where input enters", (_, make) => {
  it("refuses an ill-formed key, a set without options and a non-string value with SessionConfigError, writing nothing", async () => {
    const store = make();
    const key = crypto.randomUUID();
    await expect(store.set(`\uD800${key}`, "v", { ttl: 60 })).rejects.toThrow(SessionConfigError);
    await expect(store.set(key, "v", null as never)).rejects.toThrow(SessionConfigError);
    await expect(store.set(key, 42 as never, { ttl: 60 })).rejects.toThrow(SessionConfigError);
    expect(await store.get(key)).toBeNull();
  });

  it("refuses a page size that is not a number", async () => {
    const store = make();
    if (!store.list) return expect(store.list).toBeUndefined(); // the Durable Object store cannot list
    await expect(store.list({ limit: "10" as never })).rejects.toThrow(SessionConfigError);
  });
});

const versioned: [string, () => VersionedSessions][] = [
  ["D1Store", () => d1Store()],
  ...ifRedis<[string, () => VersionedSessions]>(["RedisStore", () => redisStore()]),
  ["DurableObjectStore", () => new DurableObjectStore(env.SESSION_OBJECTS)],
];

describe.each(versioned)("%s: a versioned write is checked once, the same way", (_, make) => {
  it.each([
    ["a fractional ttl", { value: "v", ttl: 1.5 }],
    ["a negative keep", { value: "v", ttl: 60, keep: -1 }],
    ["ttl + keep over ten years", { value: "v", ttl: 315_360_000, keep: 1 }],
    ["a version that is no whole number", { value: "v", ttl: 60, expected: 0.5 }],
    ["replaces without expected 0", { value: "v", ttl: 60, replaces: "old" }],
    ["a lone surrogate in the value", { value: "\uDC00", ttl: 60 }],
  ])("refuses %s with SessionConfigError", async (_, request) => {
    const store = make();
    const key = crypto.randomUUID();
    await expect(store.write(key, request)).rejects.toThrow(SessionConfigError);
    expect((await store.read(key)).state).toBe("missing");
  });
});

describe("storedRecord: the real ttl and deadline, no grace split back out", () => {
  const limits = { valueBytes: 100, metadataBytes: 100, what: "Test" };
  const now = 1_000_000_500; // ms: half a second past a whole second

  it("a session written for its ttl plus the grace keeps the deadline its metadata names, and lives the whole ttl", () => {
    const metadata = { created: 999_000, lastUsed: 999_900, expires: 1_001_800 };
    const record = storedRecord({ value: "v", ttl: 1800 + EXPIRED_GRACE, keep: 0, metadata }, limits, now);
    expect(record).toEqual({
      value: "v",
      metadata: JSON.stringify(metadata),
      expires: 1_000_001 + 1800 + EXPIRED_GRACE,
      deadline: 1_001_800,
      created: 999_000,
      lastUsed: 999_900,
    });
  });

  it("without session metadata the deadline is the ttl's end; keep lengthens only the record", () => {
    const record = storedRecord({ value: "v", ttl: 60, keep: 30, metadata: undefined }, limits, now);
    expect(record).toMatchObject({ expires: 1_000_001 + 90, deadline: 1_000_001 + 60, metadata: undefined, created: undefined });
  });
});

describe("D1Store: a plain set of a session stores its real expiry and deadline", () => {
  it("the row's expires is the ttl given, its deadline the metadata's", async () => {
    const clock = { ms: 2_000_000_000_000 };
    const store = d1Store({ now: () => clock.ms });
    const metadata = { created: 1_999_999_000, lastUsed: 2_000_000_000, expires: 2_000_001_800 };
    await store.set("k", "v", { ttl: 1800 + EXPIRED_GRACE, metadata });
    expect(await rowOf(store, "k")).toMatchObject({ expires: 2_000_000_000 + 1800 + EXPIRED_GRACE, deadline: 2_000_001_800 });
  });
});
