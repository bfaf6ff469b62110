import { decodeProtectedHeader } from "jose";
import { describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import {
  createKeyring,
  KVStore,
  MemoryStore,
  sealedStore,
  SessionConfigError,
  SessionStoreError,
  type SessionStore,
} from "../src/index.js";
import { seal, unseal } from "../src/crypto/seal.js";
import { OLD_SECRET, SECRET } from "./helpers.js";
import { kvStore } from "./stores.js";

const keysOf = (secrets: string | string[]) => createKeyring(secrets, { purpose: "store-test" });

describe("sealedStore: the encrypting proxy", () => {
  it("holds only ciphertext in the store it wraps, over real KV, and reads back the plaintext", async () => {
    const inner = kvStore();
    const store = sealedStore(inner, await keysOf(SECRET));
    await store.set("s1", '{"user":"ada","card":"4111"}', { ttl: 60, metadata: { lastUsed: 1 } });
    const raw = (await inner.get("s1"))!;
    expect(raw).toMatch(/^[\w-]+\.\.[\w-]+\.[\w-]+\.[\w-]+$/); // a compact JWE, dir: empty key segment
    expect(raw).not.toContain("ada");
    expect(atob(raw.split(".")[0]!.replace(/-/g, "+").replace(/_/g, "/"))).not.toContain("s1"); // the key is not in the header
    expect(await store.get("s1")).toBe('{"user":"ada","card":"4111"}');
    expect(await store.open("s1")).toEqual({ ok: true, value: '{"user":"ada","card":"4111"}', rotated: false });
    expect(store.inner).toBe(inner); // the wrapped store, as the public SealedStore type has said since 0.1
    // Metadata is for listings without keys: it passes through as given.
    expect((await store.list!({})).keys).toMatchObject([{ name: "s1", metadata: { lastUsed: 1 } }]);
  });

  it("binds each value to its key: a value copied under another key does not open", async () => {
    const inner = new MemoryStore();
    const store = sealedStore(inner, await keysOf(SECRET));
    await store.set("alice", "alice's data", { ttl: 60 });
    await store.set("mallory", "mallory's data", { ttl: 60 });
    await inner.set("mallory", (await inner.get("alice"))!, { ttl: 60 });
    expect(await store.open("mallory")).toEqual({ ok: false, reason: "tampered" });
    expect(await store.get("mallory")).toBeNull();
    expect(await store.get("alice")).toBe("alice's data");
  });

  it("binds keys unambiguously, whatever characters they hold", async () => {
    const inner = new MemoryStore();
    const store = sealedStore(inner, await keysOf(SECRET));
    // Without a self-delimiting key encoding, ("a", '"b') and ('a"', "b") could seal the same plaintext.
    const pairs: [string, string][] = [
      ["a", '"b'],
      ['a"', "b"],
      ["a\\", '"b'],
      ["", "a"],
      ["b", ""],
    ];
    for (const [key, value] of pairs) await store.set(key, value, { ttl: 60 });
    for (const [key, value] of pairs) expect(await store.get(key)).toBe(value);
    for (const [from] of pairs) {
      for (const [to] of pairs) {
        if (from === to) continue;
        const copy = new MemoryStore();
        await copy.set(to, (await inner.get(from))!, { ttl: 60 });
        expect(await sealedStore(copy, await keysOf(SECRET)).open(to)).toEqual({ ok: false, reason: "tampered" });
      }
    }
  });

  it("says why a value is refused: missing, tampered, unknown key, malformed", async () => {
    const inner = new MemoryStore();
    const store = sealedStore(inner, await keysOf(SECRET));
    expect(await store.open("none")).toEqual({ ok: false, reason: "missing" });
    await store.set("k", "value", { ttl: 60 });
    const raw = (await inner.get("k"))!;
    const parts = raw.split(".");
    parts[3] = parts[3]!.startsWith("A") ? `B${parts[3]!.slice(1)}` : `A${parts[3]!.slice(1)}`;
    await inner.set("k", parts.join("."), { ttl: 60 });
    expect(await store.open("k")).toEqual({ ok: false, reason: "tampered" });
    await sealedStore(inner, await keysOf(OLD_SECRET)).set("k", "value", { ttl: 60 });
    expect(await store.open("k")).toEqual({ ok: false, reason: "unknown-key" });
    await inner.set("k", "not a jwe", { ttl: 60 });
    expect(await store.open("k")).toEqual({ ok: false, reason: "malformed" });
  });

  it("does not open values sealed for another purpose with the same secret", async () => {
    const inner = new MemoryStore();
    await sealedStore(inner, await createKeyring(SECRET, { purpose: "app-a" })).set("k", "v", { ttl: 60 });
    expect(await sealedStore(inner, await createKeyring(SECRET, { purpose: "app-b" })).open("k")).toEqual({
      ok: false,
      reason: "unknown-key",
    });
  });

  it("rotates: values sealed with a previous key open and say so, and the next write uses the current key", async () => {
    const inner = new MemoryStore();
    const [oldRing, rotatedRing, newRing] = await Promise.all([keysOf(OLD_SECRET), keysOf([SECRET, OLD_SECRET]), keysOf(SECRET)]);
    await sealedStore(inner, oldRing).set("k", "v1", { ttl: 60 });
    const store = sealedStore(inner, rotatedRing);
    expect(await store.open("k")).toEqual({ ok: true, value: "v1", rotated: true });
    expect(await sealedStore(inner, newRing).open("k")).toEqual({ ok: false, reason: "unknown-key" });
    await store.set("k", "v2", { ttl: 60 });
    expect(decodeProtectedHeader((await inner.get("k"))!).kid).toBe(newRing.current.kid);
    expect(await store.open("k")).toEqual({ ok: true, value: "v2", rotated: false });
    expect(await sealedStore(inner, newRing).get("k")).toBe("v2");
  });

  it("refuses an oversized stored value before any crypto", async () => {
    const inner = new MemoryStore();
    await inner.set("k", "x".repeat(101), { ttl: 60 });
    expect(await sealedStore(inner, await keysOf(SECRET), { maxLength: 100 }).open("k")).toEqual({ ok: false, reason: "too-large" });
  });

  it("lists only when the wrapped store can, and deletes through it", async () => {
    const bare: SessionStore = { get: async () => null, set: async () => {}, delete: async () => {} };
    expect(sealedStore(bare, await keysOf(SECRET)).list).toBeUndefined();
    const inner = new MemoryStore();
    const store = sealedStore(inner, await keysOf(SECRET));
    await store.set("k", "v", { ttl: 60 });
    await store.delete("k");
    expect(inner.size).toBe(0);
  });
});

describe("sealedStore: values are bound to their store", () => {
  const encoder = new TextEncoder();
  /** A value as sealedStore wrote it before stores had names: the key as a JSON string, then the value. */
  const oldFormat = async (key: string, value: string) => seal(encoder.encode(JSON.stringify(key) + value), await keysOf(SECRET));

  it("a value copied between two KVStores with different prefixes over one keyring does not open (real KV)", async () => {
    const run = crypto.randomUUID();
    const [p, q] = [new KVStore(env.SESSIONS, { prefix: `${run}-p:` }), new KVStore(env.SESSIONS, { prefix: `${run}-q:` })];
    const keys = await keysOf(SECRET);
    const [sealedP, sealedQ] = [sealedStore(p, keys), sealedStore(q, keys)];
    await sealedP.set("alice", "alice's data", { ttl: 60 });
    await sealedQ.set("alice", "another alice", { ttl: 60 });
    await q.set("alice", (await p.get("alice"))!, { ttl: 60 }); // someone with write access to the namespace
    expect(await sealedQ.open("alice")).toEqual({ ok: false, reason: "tampered" });
    expect(await sealedP.open("alice")).toEqual({ ok: true, value: "alice's data", rotated: false });
    expect(sealedP.prefix).toBe(`${run}-p:`); // the proxy says where its keys live, as the store does
  });

  it("an unnamed store (no prefix) writes and opens the format of values stored before names, byte for byte", async () => {
    const inner = new MemoryStore();
    const keys = await keysOf(SECRET);
    const store = sealedStore(inner, keys);
    await inner.set("k", await oldFormat("k", "written by an older version"), { ttl: 60 });
    expect(await store.open("k")).toEqual({ ok: true, value: "written by an older version", rotated: false });
    await store.set("k2", "v", { ttl: 60 });
    const opened = await unseal((await inner.get("k2"))!, keys, 10_000);
    expect(opened.ok && new TextDecoder().decode(opened.plaintext)).toBe('"k2"v');
    // An empty prefix is no name: KVStore's default writes the same format.
    expect(await sealedStore(kvStore(), keys, { name: "" }).open("none")).toEqual({ ok: false, reason: "missing" });
  });

  it("a named store binds its name: old-format values, other names and the unnamed store do not open its values", async () => {
    const inner = new MemoryStore();
    const keys = await keysOf(SECRET);
    const profiles = sealedStore(inner, keys, { name: "profiles" });
    const carts = sealedStore(inner, keys, { name: "carts" });
    const unnamed = sealedStore(inner, keys);
    await profiles.set("ada", "profile", { ttl: 60 });
    expect(await profiles.open("ada")).toEqual({ ok: true, value: "profile", rotated: false });
    for (const other of [
      carts,
      unnamed,
      sealedStore(inner, keys, { name: "profile" }),
      sealedStore(inner, keys, { name: "profiles\u0000" }),
    ]) {
      expect(await other.open("ada")).toEqual({ ok: false, reason: "tampered" });
    }
    await inner.set("ada", await oldFormat("ada", "profile"), { ttl: 60 });
    expect(await profiles.open("ada")).toEqual({ ok: false, reason: "tampered" });
    expect(await unnamed.open("ada")).toEqual({ ok: true, value: "profile", rotated: false });
  });

  it("binds (name, key) pairs unambiguously, whatever characters they hold", async () => {
    const keys = await keysOf(SECRET);
    // Names and keys that a naive concatenation would mix up: ("a", "bc") vs ("ab", "c"), quotes, brackets, commas.
    const pairs: [string, string][] = [
      ["a", "bc"],
      ["ab", "c"],
      ['a"', "b"],
      ["a", '"b'],
      ["a,", "b"],
      ["a", ",b"],
      ["]", "x"],
      ['"k"', "v"],
    ];
    for (const [name, key] of pairs) {
      const inner = new MemoryStore();
      await sealedStore(inner, keys, { name }).set(key, "value", { ttl: 60 });
      for (const [otherName, otherKey] of [...pairs, ...pairs.map(([, k]): [string, string] => ["", k])]) {
        if (otherName === name && otherKey === key) continue;
        const copy = new MemoryStore();
        await copy.set(otherKey, (await inner.get(key))!, { ttl: 60 });
        expect(await sealedStore(copy, keys, { name: otherName }).open(otherKey)).toEqual({ ok: false, reason: "tampered" });
      }
    }
  });

  it("refuses a name that is not a string, including a store's prefix of another type", async () => {
    const keys = await keysOf(SECRET);
    expect(() => sealedStore(new MemoryStore(), keys, { name: 7 as unknown as string })).toThrow(SessionConfigError);
    const odd = Object.assign(new MemoryStore(), { prefix: ["p:"] as unknown as string });
    expect(() => sealedStore(odd, keys)).toThrow("sealedStore name (or the store's prefix) must be a string");
  });
});

describe("sealedStore: a wrapped store that breaks the get contract", () => {
  const answering = (answer: unknown): SessionStore => ({ get: async () => answer as string, set: async () => {}, delete: async () => {} });

  it("reads undefined as a miss, like null", async () => {
    const store = sealedStore(answering(undefined), await keysOf(SECRET));
    expect(await store.open("k")).toEqual({ ok: false, reason: "missing" });
    expect(await store.get("k")).toBeNull();
  });

  it.each([
    ["a number", 42, "number"],
    ["an ArrayBuffer", new ArrayBuffer(8), "ArrayBuffer"],
    ["a Uint8Array", new Uint8Array(8), "typed array"],
    ["an already-parsed object", { i: "secret-session-data" }, "object"],
    ["an array", ["secret-session-data"], "array"],
    ["a boolean", false, "boolean"],
  ])("fails on %s with a SessionStoreError (get) whose cause names the contract, not the value", async (_, answer, type) => {
    const store = sealedStore(answering(answer), await keysOf(SECRET));
    for (const read of [() => store.open("k"), () => store.get("k")]) {
      const error = await read().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(SessionStoreError);
      expect(error).toMatchObject({ operation: "get", status: 503 });
      const cause = (error as SessionStoreError).cause;
      expect(cause).toBeInstanceOf(TypeError);
      expect((cause as TypeError).message).toBe(`SessionStore.get must return a string, or null for a miss; got ${type}`);
      expect((cause as TypeError).message).not.toContain("secret-session-data");
    }
  });
});
