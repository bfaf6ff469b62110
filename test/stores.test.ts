import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { KVStore, MemoryStore, SessionConfigError, SessionTooLargeError, type SessionStore, type StoreSetOptions } from "../src/index.js";
import { isKVNamespace } from "../src/kv/index.js";
import { guardedStore } from "../src/stores/guarded-store.js";
import { jar, testClock } from "./helpers.js";
import { kvStore, storeApp, visit } from "./stores.js";

const stores: [string, () => SessionStore][] = [
  ["MemoryStore", () => new MemoryStore()],
  ["KVStore", kvStore],
];

describe.each(stores)("%s: the SessionStore contract", (_, make) => {
  it("reads null for a missing key, then what was written, then null once deleted", async () => {
    const store = make();
    expect(await store.get("k1")).toBeNull();
    await store.set("k1", "value 1", { ttl: 120 });
    expect(await store.get("k1")).toBe("value 1");
    await store.set("k1", "value 2", { ttl: 120 });
    expect(await store.get("k1")).toBe("value 2");
    await store.delete("k1");
    expect(await store.get("k1")).toBeNull();
    await store.delete("k1"); // deleting a missing key is not an error
  });

  it("lists keys in order with their metadata, page by page with a cursor", async () => {
    const store = make();
    for (let i = 0; i < 5; i++) await store.set(`s${i}`, `v${i}`, { ttl: 120, metadata: { n: i } });
    await store.set("other", "x", { ttl: 120 });
    const seen: { name: string; n: unknown }[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.list!({ prefix: "s", cursor, limit: 2 });
      expect(page.keys.length).toBeLessThanOrEqual(2);
      seen.push(...page.keys.map((k) => ({ name: k.name, n: k.metadata?.n })));
      cursor = page.cursor;
      pages++;
    } while (cursor !== undefined);
    expect(pages).toBe(3);
    expect(seen).toEqual([0, 1, 2, 3, 4].map((n) => ({ name: `s${n}`, n })));
  });
});

describe("MemoryStore", () => {
  it("expires entries after their TTL on the injected clock, exactly", async () => {
    const clock = testClock();
    const store = new MemoryStore({ now: clock.now });
    await store.set("k", "v", { ttl: 10, metadata: { a: 1 } });
    clock.advance(9);
    expect(await store.get("k")).toBe("v");
    expect((await store.list()).keys).toEqual([{ name: "k", expiration: Math.floor(clock.now() / 1000) + 1, metadata: { a: 1 } }]);
    clock.advance(1);
    expect(await store.get("k")).toBeNull();
    expect((await store.list()).keys).toEqual([]);
    expect(store.size).toBe(0);
  });

  it("lists at least one key per page, whatever the limit", async () => {
    const store = new MemoryStore();
    await store.set("a", "1", { ttl: 60 });
    await store.set("b", "2", { ttl: 60 });
    const page = await store.list({ limit: 0 });
    expect(page).toEqual({ keys: [{ name: "a", expiration: expect.any(Number), metadata: undefined }], cursor: "a" });
  });

  it("keeps its own copy of the metadata", async () => {
    const store = new MemoryStore();
    const metadata = { lastUsed: 1 };
    await store.set("k", "v", { ttl: 60, metadata });
    metadata.lastUsed = 2;
    expect((await store.list()).keys[0]!.metadata).toEqual({ lastUsed: 1 });
  });
});

describe("KVStore over a KV binding", () => {
  it("never asks KV for a TTL below its 60 s minimum, and reports the expiration KV keeps", async () => {
    const store = kvStore();
    const before = Math.floor(Date.now() / 1000);
    await store.set("short", "v", { ttl: 1 });
    await store.set("long", "v", { ttl: 3600 });
    const { keys } = await store.list();
    const expiration = Object.fromEntries(keys.map((k) => [k.name, k.expiration! - before]));
    expect(expiration.short).toBeGreaterThanOrEqual(60);
    expect(expiration.short).toBeLessThanOrEqual(62);
    expect(expiration.long).toBeGreaterThanOrEqual(3600);
    expect(expiration.long).toBeLessThanOrEqual(3602);
  });

  it("writes metadata into KV's per-key metadata, readable without the value", async () => {
    const store = kvStore();
    await store.set("k", "secret value", { ttl: 60, metadata: { created: 1, lastUsed: 2, expires: 3 } });
    const { metadata } = await env.SESSIONS.getWithMetadata(`${store.prefix}k`);
    expect(metadata).toEqual({ created: 1, lastUsed: 2, expires: 3 });
  });

  it("keeps prefixes apart: a store sees and lists only its own keys, without the prefix", async () => {
    const a = kvStore();
    const b = kvStore();
    await a.set("k", "from a", { ttl: 60 });
    expect(await b.get("k")).toBeNull();
    expect((await b.list()).keys).toEqual([]);
    expect((await a.list()).keys.map((k) => k.name)).toEqual(["k"]);
  });

  it("checks KV's key (512 bytes) and metadata (1024 bytes) limits before calling KV", async () => {
    const store = new KVStore(env.SESSIONS, { prefix: "p:" });
    await expect(store.set("k".repeat(511), "v", { ttl: 60 })).rejects.toMatchObject({ code: "TOO_LARGE", size: 513, limit: 512 });
    await expect(store.get("é".repeat(256))).rejects.toBeInstanceOf(SessionTooLargeError); // bytes, not characters
    await expect(store.set("k", "v", { ttl: 60, metadata: { pad: "x".repeat(1024) } })).rejects.toMatchObject({
      code: "TOO_LARGE",
      limit: 1024,
    });
    await expect(store.get("")).rejects.toBeInstanceOf(SessionConfigError);
    expect(await store.get("k".repeat(510))).toBeNull(); // exactly 512 bytes is fine
  });

  it("refuses a value over KV's 25 MiB before writing it", async () => {
    const store = kvStore();
    const error = await store.set("k", "x".repeat(25 * 1024 * 1024 + 1), { ttl: 60 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionTooLargeError);
    expect((error as Error).message).toBe("KV value would be 26214401 bytes, over the 26214400-byte limit");
    expect(await store.get("k")).toBeNull();
  });

  it("refuses what is not a KV binding, and a prefix that leaves no room for keys", () => {
    expect(() => new KVStore({} as KVNamespace)).toThrow(SessionConfigError);
    expect(() => new KVStore(env.SESSIONS, { prefix: "p".repeat(449) })).toThrow(SessionConfigError);
    expect(isKVNamespace(env.SESSIONS)).toBe(true);
    expect(isKVNamespace(new MemoryStore())).toBe(false);
    expect(isKVNamespace(new Map())).toBe(false);
  });
});

/** A custom store keeping its keys under its own prefix in a backend it shares, and saying so. */
class PrefixedStore implements SessionStore {
  constructor(
    readonly backend: MemoryStore,
    readonly prefix: string,
  ) {}
  get(key: string) {
    return this.backend.get(this.prefix + key);
  }
  set(key: string, value: string, options: StoreSetOptions) {
    return this.backend.set(this.prefix + key, value, options);
  }
  delete(key: string) {
    return this.backend.delete(this.prefix + key);
  }
}

describe("a store's prefix names it for the sealing proxy", () => {
  it("guardedStore, which the middleware puts around every store, passes the prefix on", () => {
    expect(guardedStore(new KVStore(env.SESSIONS, { prefix: "sess:" }), 0).prefix).toBe("sess:");
    expect(guardedStore(new PrefixedStore(new MemoryStore(), "a:"), 5000).prefix).toBe("a:");
    expect(guardedStore(new MemoryStore(), 0).prefix).toBeUndefined();
  });

  it.each(["store", "overflow"] as const)(
    "%s mode: a session copied to the same key in another prefixed store does not open there",
    async (mode) => {
      // One app per tenant, each with its own prefix in a shared backend, same secret: a tenant's session
      // copied into the other tenant's prefix must not log the cookie into that tenant.
      const backend = new MemoryStore();
      const [a, b] = [new PrefixedStore(backend, "tenant-a:"), new PrefixedStore(backend, "tenant-b:")];
      const [appA, appB] = [storeApp({ [mode]: a }), storeApp({ [mode]: b })];
      const alice = jar();
      await visit(appA, "/user/alice", alice);
      await visit(appA, "/big/5000", alice);
      const [key] = (await backend.list({ prefix: "tenant-a:" })).keys.map((k) => k.name.slice("tenant-a:".length));
      const copy = () => Object.assign(jar(), { value: alice.value }); // the cookie, presented to tenant b
      expect((await visit(appB, "/read", copy())).body).toMatchObject({ isNew: true, invalid: "missing" });
      await b.set(key!, (await a.get(key!))!, { ttl: 600 }); // someone with write access to the backend
      const read = await visit(appB, "/read", copy());
      expect(read.body).toMatchObject({ isNew: true, invalid: "tampered", data: {} });
      expect(read.text).not.toContain("alice");
      expect((await visit(appA, "/read", alice)).body.data).toMatchObject({ user: "alice" });
    },
  );
});
