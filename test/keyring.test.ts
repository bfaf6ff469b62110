import { base64url } from "jose";
import { describe, expect, it, vi } from "vitest";
import { createKeyring, SessionConfigError } from "../src/index.js";
import { checkSecrets, protectedHeader } from "../src/crypto/keyring.js";
import { seal, unseal } from "../src/crypto/seal.js";
import { OLD_SECRET, SECRET } from "./helpers.js";

describe("createKeyring", () => {
  it.each([
    ["a short string", "too-short-secret"],
    ["a string of few distinct characters", "ab".repeat(32)],
    ["a raw key of the wrong size", new Uint8Array(16)],
    ["no secret at all", []],
    ["a missing binding (undefined)", undefined],
  ])("rejects %s with a SessionConfigError", async (_, secret) => {
    await expect(createKeyring(secret as never)).rejects.toBeInstanceOf(SessionConfigError);
    expect(() => checkSecrets(secret as never)).toThrow(SessionConfigError);
  });

  it("never echoes the secret in its error message", () => {
    const weak = "weak-but-secret-value";
    try {
      checkSecrets([SECRET, weak]);
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain(weak);
      expect((error as Error).message).toContain("previous secret #1");
    }
  });

  it("rejects the same secret listed twice", async () => {
    await expect(createKeyring([SECRET, SECRET])).rejects.toThrow(/twice/);
  });

  it("accepts raw 32- and 64-byte keys", async () => {
    const ring = await createKeyring([new Uint8Array(32).fill(7), new Uint8Array(64).fill(9)]);
    expect(ring.toJSON().kids).toHaveLength(2);
  });

  it("derives stable key ids that depend on purpose and encryption, not only on the secret", async () => {
    const a = await createKeyring(SECRET, { purpose: "app-a" });
    const again = await createKeyring(SECRET, { purpose: "app-a" });
    const b = await createKeyring(SECRET, { purpose: "app-b" });
    const cbc = await createKeyring(SECRET, { purpose: "app-a", encryption: "A256CBC-HS512" });
    expect(a.current.kid).toBe(again.current.kid);
    expect(a.current.kid).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect(new Set([a.current.kid, b.current.kid, cbc.current.kid]).size).toBe(3);
  });

  it("keeps key material out of JSON and string forms", async () => {
    const ring = await createKeyring([SECRET, OLD_SECRET], { purpose: "p" });
    const shown = JSON.stringify(ring) + String(ring);
    expect(shown).not.toContain(SECRET);
    expect(JSON.parse(JSON.stringify(ring))).toEqual({ encryption: "A256GCM", purpose: "p", kids: ring.toJSON().kids });
  });

  it.each(["A256GCM", "A256CBC-HS512"] as const)("knows, per key, the exact header segment seal writes with %s", async (encryption) => {
    const ring = await createKeyring([SECRET, OLD_SECRET], { encryption, purpose: "p" });
    const old = await createKeyring(OLD_SECRET, { encryption, purpose: "p" });
    for (const [sealer, key] of [
      [ring, ring.current],
      [old, ring.find(old.current.kid)!],
    ] as const) {
      const header = (await seal(new Uint8Array([1]), sealer)).split(".")[0]!;
      expect(header).toBe(protectedHeader(encryption, key.kid));
      expect(ring.findByHeader(header)).toBe(key);
      expect(JSON.parse(new TextDecoder().decode(base64url.decode(header)))).toEqual({ alg: "dir", enc: encryption, kid: key.kid });
    }
  });

  it("gives its AES-GCM keys jose's checked properties once, frozen, as the runtime's getters give them", async () => {
    const ring = await createKeyring(SECRET);
    const key = ring.current.key as CryptoKey;
    const fresh = await crypto.subtle.importKey("raw", new Uint8Array(32), "AES-GCM", false, ["encrypt", "decrypt"]);
    for (const name of ["type", "algorithm", "usages", Symbol.toStringTag] as const) {
      const own = Object.getOwnPropertyDescriptor(key, name);
      expect(own, String(name)).toMatchObject({ writable: false }); // a data property, not an accessor
      expect(own!.value).toEqual(fresh[name as keyof CryptoKey]);
      expect(Object.isFrozen(own!.value)).toBe(true);
    }
    expect(key.algorithm).toBe(key.algorithm); // one object, not a new one per read
    // Web Crypto still takes it, and so does jose: a round trip through seal / unseal.
    expect(new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv: new Uint8Array(12) }, key, new Uint8Array(1)))).toHaveLength(
      17,
    );
    const opened = await unseal(await seal(new Uint8Array([7]), ring), ring, 4096);
    expect(opened).toMatchObject({ ok: true, plaintext: new Uint8Array([7]) });
  });

  it("finds no key for another spelling of the same header", async () => {
    const ring = await createKeyring(SECRET);
    const { kid } = ring.current;
    const b64 = (text: string) => base64url.encode(text);
    expect(ring.findByHeader(b64(`{"alg":"dir","enc":"A256GCM","kid":"${kid}"}`))).toBe(ring.current);
    for (const text of [
      `\uFEFF{"alg":"dir","enc":"A256GCM","kid":"${kid}"}`,
      `{"alg":"dir", "enc":"A256GCM","kid":"${kid}"}`,
      `{"enc":"A256GCM","alg":"dir","kid":"${kid}"}`,
      `{"alg":"dir","alg":"dir","enc":"A256GCM","kid":"${kid}"}`,
    ]) {
      expect(ring.findByHeader(b64(text))).toBeUndefined();
    }
    expect(ring.findByHeader(kid)).toBeUndefined();
  });
});

describe("a runtime without Web Crypto", () => {
  it("is a SessionConfigError naming what is missing, not a ReferenceError on the first request", async () => {
    vi.stubGlobal("crypto", {});
    try {
      await expect(createKeyring(SECRET)).rejects.toThrow(SessionConfigError);
      await expect(createKeyring(SECRET)).rejects.toThrow(/Web Crypto .* is missing: use Node 20 or later/);
    } finally {
      vi.unstubAllGlobals();
    }
    expect((await createKeyring(SECRET)).current.kid).toHaveLength(8);
  });
});
