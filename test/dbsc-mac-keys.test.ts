/**
 * The bound check's MAC key is imported once per key material (src/dbsc/record.ts), and the cache never answers
 * for another key: each MAC is checked against one computed from scratch with Web Crypto.
 */
import { base64url } from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import { mac, randomValue } from "../src/dbsc/record.js";

/** The MAC as record.ts defines it, computed without any cache. */
async function reference(k: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", base64url.decode(k), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const signature = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(message));
  return base64url.encode(new Uint8Array(signature, 0, 16));
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("DBSC MAC keys: imported once per key, never another key's", () => {
  it("a session's key is imported on its first MAC only; every MAC is the one its own key makes", async () => {
    const [a, b] = [randomValue(32), randomValue(32)];
    const expected = { a: await reference(a, "cookie|x|1"), b: await reference(b, "cookie|x|1") };
    const imports = vi.spyOn(crypto.subtle, "importKey");
    for (let i = 0; i < 5; i++) {
      expect(await mac(a, "cookie|x|1")).toBe(expected.a);
      expect(await mac(b, "cookie|x|1")).toBe(expected.b);
    }
    expect(imports).toHaveBeenCalledTimes(2);
    expect(expected.a).not.toBe(expected.b);
  });

  it("concurrent first MACs of one key share one import; keys that differ in one character do not share", async () => {
    const k = randomValue(32);
    const sibling = (k[0] === "A" ? "B" : "A") + k.slice(1); // another key, the same but its first 6 bits
    const imports = vi.spyOn(crypto.subtle, "importKey");
    const macs = await Promise.all([mac(k, "m"), mac(k, "m"), mac(sibling, "m"), mac(k, "m")]);
    expect(imports).toHaveBeenCalledTimes(2);
    expect(macs).toEqual([await reference(k, "m"), await reference(k, "m"), await reference(sibling, "m"), await reference(k, "m")]);
  });

  it("bounded: past 256 keys the least recently used is imported again, the recently used is not", async () => {
    const [kept, dropped] = [randomValue(32), randomValue(32)];
    await mac(dropped, "m");
    await mac(kept, "m");
    for (let i = 0; i < 255; i++) {
      await mac(kept, "m"); // used all along: stays
      await mac(randomValue(32), "m");
    }
    const imports = vi.spyOn(crypto.subtle, "importKey");
    expect(await mac(kept, "m")).toBe(await reference(kept, "m"));
    expect(imports).toHaveBeenCalledTimes(1); // the reference's own import
    expect(await mac(dropped, "m")).toBe(await reference(dropped, "m"));
    expect(imports).toHaveBeenCalledTimes(3);
  });

  it("a failed import is not kept: the next MAC of that key tries again", async () => {
    const k = randomValue(32);
    const imports = vi.spyOn(crypto.subtle, "importKey").mockRejectedValueOnce(new Error("import failed"));
    await expect(mac(k, "m")).rejects.toThrow("import failed");
    await Promise.resolve(); // the cache drops the failed entry once its rejection is seen
    expect(await mac(k, "m")).toBe(await reference(k, "m"));
    expect(imports).toHaveBeenCalledTimes(3);
  });
});
