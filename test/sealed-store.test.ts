import { decodeProtectedHeader } from "jose";
import { describe, expect, it } from "vitest";
import {
  createKeyring,
  MemoryStore,
  sealedStore,
  SessionStoreError,
  type SessionStore,
} from "../src/index.js";
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
    const pairs: [string, string][] = [["a", '"b'], ['a"', "b"], ["a\\", '"b'], ["", "a"], ["b", ""]];
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
    expect(await sealedStore(inner, await createKeyring(SECRET, { purpose: "app-b" })).open("k")).toEqual({ ok: false, reason: "unknown-key" });
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
      const error = await read().then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(SessionStoreError);
      expect(error).toMatchObject({ operation: "get", status: 503 });
      const cause = (error as SessionStoreError).cause;
      expect(cause).toBeInstanceOf(TypeError);
      expect((cause as TypeError).message).toBe(`SessionStore.get must return a string, or null for a miss; got ${type}`);
      expect((cause as TypeError).message).not.toContain("secret-session-data");
    }
  });
});
