import { CompactEncrypt, base64url } from "jose";
import { describe, expect, it } from "vitest";
import { createKeyring, sealSession, unsealSession, type Envelope } from "../src/index.js";
import { OLD_SECRET, SECRET } from "./helpers.js";

const T0 = Date.UTC(2026, 10, 24, 9, 0, 0);
const envelope = (over: Partial<Envelope["meta"]> = {}): Envelope => ({
  data: { user: "ada", nested: { list: [1, "two", null], "ünï": "cödé ✓" } },
  meta: { id: "AAAAAAAAAAAAAAAAAAAAAA", created: T0, lastUsed: T0, lifetime: 0, ...over },
  flash: { notice: "saved" },
});

describe("sealSession / unsealSession (no Hono)", () => {
  it("round-trips data, metadata and flash as a compact JWE with dir, A256GCM and a kid", async () => {
    const keys = await createKeyring(SECRET, { purpose: "t" });
    const token = await sealSession(envelope(), keys);
    const header = JSON.parse(new TextDecoder().decode(base64url.decode(token.split(".")[0]!)));
    expect(header).toEqual({ alg: "dir", enc: "A256GCM", kid: keys.current.kid });
    expect(token.split(".")[1]).toBe(""); // dir: no encrypted key
    const result = await unsealSession(token, keys, { now: T0 });
    expect(result).toEqual({ ok: true, ...envelope(), rotated: false });
  });

  it("supports A256CBC-HS512 when selected", async () => {
    const keys = await createKeyring(SECRET, { encryption: "A256CBC-HS512" });
    const token = await sealSession(envelope(), keys);
    expect(await unsealSession(token, keys, { now: T0 })).toMatchObject({ ok: true, data: envelope().data });
    const gcm = await createKeyring(SECRET);
    expect(await unsealSession(token, gcm, { now: T0 })).toEqual({ ok: false, reason: "algorithm" });
  });

  it("opens a token sealed with a previous key and flags it for re-sealing", async () => {
    const old = await createKeyring(OLD_SECRET);
    const rotated = await createKeyring([SECRET, OLD_SECRET]);
    const token = await sealSession(envelope(), old);
    expect(await unsealSession(token, rotated, { now: T0 })).toMatchObject({ ok: true, rotated: true });
  });

  it("refuses a token whose key left the ring (unknown-key) and one sealed for another purpose", async () => {
    const token = await sealSession(envelope(), await createKeyring(OLD_SECRET));
    expect(await unsealSession(token, await createKeyring(SECRET), { now: T0 })).toEqual({ ok: false, reason: "unknown-key" });
    const other = await sealSession(envelope(), await createKeyring(SECRET, { purpose: "other-app" }));
    expect(await unsealSession(other, await createKeyring(SECRET, { purpose: "this-app" }), { now: T0 })).toEqual({
      ok: false,
      reason: "unknown-key",
    });
  });

  it("refuses a token encrypted with the right key id but another key (tampered)", async () => {
    const keys = await createKeyring(SECRET);
    const forger = await createKeyring(OLD_SECRET);
    const forged = await new CompactEncrypt(new TextEncoder().encode("{}"))
      .setProtectedHeader({ alg: "dir", enc: "A256GCM", kid: keys.current.kid })
      .encrypt(forger.current.key);
    expect(await unsealSession(forged, keys, { now: T0 })).toEqual({ ok: false, reason: "tampered" });
  });

  it.each([
    ["a flipped ciphertext character", (t: string) => flip(t, 3)],
    ["a flipped tag character", (t: string) => flip(t, 4)],
    ["a flipped IV character", (t: string) => flip(t, 2)],
  ])("detects %s as tampered", async (_, mutate) => {
    const keys = await createKeyring(SECRET);
    const token = await sealSession(envelope(), keys);
    expect(await unsealSession(mutate(token), keys, { now: T0 })).toEqual({ ok: false, reason: "tampered" });
  });

  it.each([
    ["an empty string", () => ""],
    ["a truncated token", (t: string) => t.slice(0, t.length - 30)],
    ["four segments", (t: string) => t.split(".").slice(0, 4).join(".")],
    ["garbage", () => "not.a.jwe.at.all!"],
  ])("reports %s as malformed or tampered, without throwing", async (_, mutate) => {
    const keys = await createKeyring(SECRET);
    const result = await unsealSession(mutate(await sealSession(envelope(), keys)), keys, { now: T0 });
    expect(result.ok).toBe(false);
    expect(["malformed", "tampered"]).toContain((result as { reason: string }).reason);
  });

  it("refuses headers beyond {alg, enc, kid} (zip, jku...) before any decryption", async () => {
    const keys = await createKeyring(SECRET);
    for (const extra of [{ zip: "DEF" }, { jku: "https://evil.example/keys" }, { cty: "JWT" }]) {
      const token = await new CompactEncrypt(new TextEncoder().encode("{}"))
        .setProtectedHeader({ alg: "dir", enc: "A256GCM", kid: keys.current.kid, ...extra })
        .encrypt(keys.current.key);
      expect(await unsealSession(token, keys, { now: T0 })).toEqual({ ok: false, reason: "algorithm" });
    }
  });

  it("refuses an over-long token before any crypto", async () => {
    const keys = await createKeyring(SECRET);
    expect(await unsealSession("a".repeat(5000), keys)).toEqual({ ok: false, reason: "too-large" });
  });

  it("refuses a decrypted value that is not a session envelope", async () => {
    const keys = await createKeyring(SECRET);
    const token = await new CompactEncrypt(new TextEncoder().encode('{"hello":"world"}'))
      .setProtectedHeader({ alg: "dir", enc: "A256GCM", kid: keys.current.kid })
      .encrypt(keys.current.key);
    expect(await unsealSession(token, keys, { now: T0 })).toEqual({ ok: false, reason: "not-a-session" });
  });

  it("enforces idle and absolute limits from the sealed metadata", async () => {
    const keys = await createKeyring(SECRET);
    const token = await sealSession(envelope({ lastUsed: T0 + 3600_000, created: T0 }), keys);
    const at = T0 + 3600_000 + 301_000;
    expect(await unsealSession(token, keys, { now: at, idleTimeout: 300 })).toEqual({ ok: false, reason: "idle" });
    expect(await unsealSession(token, keys, { now: at, idleTimeout: 400 })).toMatchObject({ ok: true });
    expect(await unsealSession(token, keys, { now: at, absoluteTimeout: 3600 })).toEqual({ ok: false, reason: "absolute" });
  });

  it("refuses timestamps from the future beyond a minute of clock skew", async () => {
    const keys = await createKeyring(SECRET);
    const token = await sealSession(envelope({ created: T0 + 120_000, lastUsed: T0 + 120_000 }), keys);
    expect(await unsealSession(token, keys, { now: T0 })).toEqual({ ok: false, reason: "future" });
    expect(await unsealSession(token, keys, { now: T0 + 61_000 })).toMatchObject({ ok: true });
  });
});

function flip(token: string, segment: number): string {
  const parts = token.split(".");
  const s = parts[segment]!;
  const i = Math.floor(s.length / 2);
  parts[segment] = s.slice(0, i) + (s[i] === "A" ? "B" : "A") + s.slice(i + 1);
  return parts.join(".");
}
