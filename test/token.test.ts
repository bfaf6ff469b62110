import { CompactEncrypt, base64url } from "jose";
import { describe, expect, it, vi } from "vitest";
import { createKeyring, newSessionId, sealSession, SessionConfigError, unsealSession, type Envelope } from "../src/index.js";
import { envelopeText, forgeJwe, rawKey, stringWork } from "./forge.js";
import { OLD_SECRET, SECRET } from "./helpers.js";

const T0 = Date.UTC(2026, 10, 24, 9, 0, 0);
const envelope = (over: Partial<Envelope["meta"]> = {}): Envelope => ({
  data: { user: "ada", nested: { list: [1, "two", null], ünï: "cödé ✓" } },
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

describe("unsealSession: input of the wrong type", () => {
  it.each([
    ["undefined", undefined],
    ["null", null],
    ["a number", 42],
    ["NaN", Number.NaN],
    ["a boolean", true],
    ["an object", { token: "x" }],
    ["an array", ["a", "b", "c", "d", "e"]],
    ["a symbol", Symbol("token")],
    ["a bigint", 1n],
  ])("refuses %s as malformed, without throwing", async (_, bad) => {
    const keys = await createKeyring(SECRET);
    expect(await unsealSession(bad as never, keys, { now: T0 })).toEqual({ ok: false, reason: "malformed" });
  });

  it("refuses a valid token wrapped in an object (array, String, toString) as malformed", async () => {
    const keys = await createKeyring(SECRET);
    const token = await sealSession(envelope(), keys);
    expect(await unsealSession(token, keys, { now: T0 })).toMatchObject({ ok: true });
    for (const wrapped of [[token], new String(token), { toString: () => token }]) {
      expect(await unsealSession(wrapped as never, keys, { now: T0 })).toEqual({ ok: false, reason: "malformed" });
    }
  });

  it("throws SessionConfigError (a programming error) for keys that are not a Keyring", async () => {
    const token = await sealSession(envelope(), await createKeyring(SECRET));
    for (const keys of [undefined, null, SECRET, {}, { current: {}, encryption: "A256GCM" }]) {
      await expect(unsealSession(token, keys as never, { now: T0 })).rejects.toBeInstanceOf(SessionConfigError);
      await expect(sealSession(envelope(), keys as never)).rejects.toBeInstanceOf(SessionConfigError);
    }
  });
});

describe("unsealSession: options of the wrong type", () => {
  it.each([
    ["null options", null],
    ["now as a string", { now: String(T0) }],
    ["now as NaN", { now: Number.NaN }],
    ["now as a Date", { now: new Date(T0) }],
    ["idleTimeout as a string", { idleTimeout: "300" }],
    ["idleTimeout as NaN", { idleTimeout: Number.NaN }],
    ["a negative absoluteTimeout", { absoluteTimeout: -1 }],
    ["a fractional idleTimeout", { idleTimeout: 0.5 }],
    ["maxLength 0", { maxLength: 0 }],
    ["maxLength as a string", { maxLength: "4096" }],
  ])("throws SessionConfigError for %s instead of switching expiry checks off", async (_, options) => {
    const keys = await createKeyring(SECRET);
    const token = await sealSession(envelope(), keys);
    await expect(unsealSession(token, keys, options as never)).rejects.toBeInstanceOf(SessionConfigError);
  });

  it("control: well-typed options, maxLength Infinity (no limit) included, still enforce expiry", async () => {
    const keys = await createKeyring(SECRET);
    const token = await sealSession(envelope(), keys);
    expect(await unsealSession(token, keys, { now: T0 + 301_000, idleTimeout: 300, maxLength: Infinity })).toEqual({
      ok: false,
      reason: "idle",
    });
    expect(await unsealSession(token, keys, { now: T0 + 299_000, idleTimeout: 300, maxLength: Infinity })).toMatchObject({ ok: true });
  });
});

describe("unseal: shape before work", () => {
  const MiB = 1024 * 1024;

  it.each([
    ["25 MiB of '.'", () => ".".repeat(25 * MiB)],
    ["25 MiB of 'A.'", () => "A.".repeat(12.5 * MiB)],
    ["a sealed token with 25 MiB of dots appended", () => "."],
  ])("refuses %s as malformed, looking at a handful of characters (no split)", async (_, make) => {
    const keys = await createKeyring(SECRET);
    const suffix = make();
    const token = suffix === "." ? (await sealSession(envelope(), keys)) + ".".repeat(25 * MiB) : suffix;
    let result: unknown;
    const work = await stringWork(async () => {
      result = await unsealSession(token, keys, { now: T0, maxLength: 32 * MiB });
    });
    expect(result).toEqual({ ok: false, reason: "malformed" });
    // Splitting alone would look at 25 Mi characters (and build an array of millions of strings).
    expect(work).toBeLessThan(10_000);
  });

  it.each([
    ["25 MiB without a dot", () => "A".repeat(25 * MiB)],
    ["five dots, the last after 25 MiB", () => `A.A.A.A.${"A".repeat(25 * MiB)}.`],
    ["a valid header and 25 MiB of ciphertext with one bad character", () => "header"],
  ])("refuses %s as malformed in one linear scan", async (_, make) => {
    const keys = await createKeyring(SECRET);
    let token = make();
    if (token === "header") {
      const [header, , iv, , tag] = (await sealSession(envelope(), keys)).split(".");
      token = [header, "", iv, `${"A".repeat(25 * MiB)}!`, tag].join(".");
    }
    let result: unknown;
    const work = await stringWork(async () => {
      result = await unsealSession(token, keys, { now: T0, maxLength: 32 * MiB });
    });
    expect(result).toEqual({ ok: false, reason: "malformed" });
    expect(work).toBeLessThanOrEqual(token.length + 10_000);
  });

  it("refuses segments of the wrong length for the ring's enc before decrypting", async () => {
    for (const encryption of ["A256GCM", "A256CBC-HS512"] as const) {
      const keys = await createKeyring(SECRET, { encryption });
      const [header, , iv, ciphertext, tag] = (await sealSession(envelope(), keys)).split(".") as [string, string, string, string, string];
      expect(iv).toHaveLength(encryption === "A256GCM" ? 16 : 22);
      expect(tag).toHaveLength(encryption === "A256GCM" ? 22 : 43);
      const variants = [
        [header, "AAAA", iv, ciphertext, tag], // an encrypted key with dir
        [header, "", `${iv}AAAA`, ciphertext, tag], // a longer IV
        [header, "", iv.slice(4), ciphertext, tag], // a shorter IV
        [header, "", iv, ciphertext, `${tag}AAAA`.slice(0, tag.length + 4)], // a longer tag
        [header, "", iv, ciphertext, tag.slice(0, 11)], // a shorter tag
        [header, "", iv, ciphertext, ""], // no tag
        [header, "", iv, ciphertext, tag, ""], // a sixth segment
      ];
      const decrypt = vi.spyOn(crypto.subtle, "decrypt");
      for (const parts of variants) {
        expect(await unsealSession(parts.join("."), keys, { now: T0 })).toEqual({ ok: false, reason: "malformed" });
      }
      expect(decrypt).not.toHaveBeenCalled();
      decrypt.mockRestore();
    }
  });
});

describe("unseal: the protected header is checked byte for byte", () => {
  const gcm = async () => {
    const keys = await createKeyring(SECRET, { purpose: "t" });
    return { keys, key: await rawKey(SECRET, "t"), kid: keys.current.kid };
  };
  const plaintext = envelopeText({ user: "admin" }, { created: T0 });

  it("control: the exact header, hand-built with the same key, opens", async () => {
    const { keys, key, kid } = await gcm();
    const token = await forgeJwe({ header: `{"alg":"dir","enc":"A256GCM","kid":"${kid}"}`, plaintext, key });
    expect(await unsealSession(token, keys, { now: T0 })).toMatchObject({ ok: true, data: { user: "admin" } });
  });

  it.each([
    ["a UTF-8 byte-order mark before it", (kid: string) => `\uFEFF{"alg":"dir","enc":"A256GCM","kid":"${kid}"}`],
    ["whitespace inside the JSON", (kid: string) => `{ "alg": "dir", "enc": "A256GCM", "kid": "${kid}" }`],
    ["a trailing newline", (kid: string) => `{"alg":"dir","enc":"A256GCM","kid":"${kid}"}\n`],
    ["members reordered", (kid: string) => `{"kid":"${kid}","enc":"A256GCM","alg":"dir"}`],
    ["a duplicate alg (the last one wins in JSON.parse)", (kid: string) => `{"alg":"none","alg":"dir","enc":"A256GCM","kid":"${kid}"}`],
    ["a duplicate kid", (kid: string) => `{"alg":"dir","enc":"A256GCM","kid":"other","kid":"${kid}"}`],
    ["an escaped character", (kid: string) => `{"alg":"\\u0064ir","enc":"A256GCM","kid":"${kid}"}`],
  ])("refuses the right members spelled with %s as malformed, before decrypting", async (_, text) => {
    const { keys, key, kid } = await gcm();
    const token = await forgeJwe({ header: text(kid), plaintext, key });
    const decrypt = vi.spyOn(crypto.subtle, "decrypt");
    expect(await unsealSession(token, keys, { now: T0 })).toEqual({ ok: false, reason: "malformed" });
    expect(decrypt).not.toHaveBeenCalled();
    decrypt.mockRestore();
  });

  it("refuses the exact header in a non-canonical base64url spelling", async () => {
    const { keys } = await gcm();
    const token = await sealSession(envelope(), keys);
    const [header, ...rest] = token.split(".");
    // 70 characters = 4n+2: the last one carries 4 unused bits, which a lenient decoder ignores.
    expect(header!.length % 4).toBe(2);
    const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const respelled = header!.slice(0, -1) + B64URL[B64URL.indexOf(header!.at(-1)!) + 1];
    expect(base64url.decode(respelled)).toEqual(base64url.decode(header!));
    expect(await unsealSession([respelled, ...rest].join("."), keys, { now: T0 })).toEqual({ ok: false, reason: "malformed" });
  });

  it("refuses a ciphertext respelled with characters the decoder skips or other alphabets' digits, for both encryptions", async () => {
    for (const encryption of ["A256GCM", "A256CBC-HS512"] as const) {
      const keys = await createKeyring(SECRET, { encryption });
      const token = await sealSession(envelope(), keys);
      const [header, key, iv, ciphertext, tag] = token.split(".") as [string, string, string, string, string];
      const at = 8; // a whole group of four in: the same bytes once the decoder skips what was added
      const respell = (c: string) => [header, key, iv, c, tag].join(".");
      for (const added of [" ", "\n", "\t", "\r", "\f"]) {
        const spelled = respell(ciphertext.slice(0, at) + added + ciphertext.slice(at));
        expect(await unsealSession(spelled, keys, { now: T0 }), `${encryption} ${JSON.stringify(added)}`).toEqual({
          ok: false,
          reason: "malformed",
        });
      }
      // Padding at the end (a lenient decoder drops it), and base64's + and / for base64url's - and _.
      expect(await unsealSession(respell(`${ciphertext}==`), keys, { now: T0 })).toEqual({ ok: false, reason: "malformed" });
      const other = ciphertext.replace(/-/g, "+").replace(/_/g, "/");
      if (other !== ciphertext) expect(await unsealSession(respell(other), keys, { now: T0 })).toEqual({ ok: false, reason: "malformed" });
      expect((await unsealSession(token, keys, { now: T0 })).ok).toBe(true); // control
    }
  });

  it("keeps the reasons of headers with other members or values, and of unknown kids", async () => {
    const { keys, key, kid } = await gcm();
    const cases: [string, string][] = [
      [`{"alg":"dir","enc":"A256GCM","kid":"${kid}","zip":"DEF"}`, "algorithm"],
      [`{"alg":"A256KW","enc":"A256GCM","kid":"${kid}"}`, "algorithm"],
      [`{"alg":"dir","enc":"A128GCM","kid":"${kid}"}`, "algorithm"],
      [`{"alg":"dir","enc":"A256GCM","kid":"AAAAAAAA"}`, "unknown-key"],
      [`{"alg":"dir","enc":"A256GCM"}`, "unknown-key"],
      [`["dir"]`, "malformed"],
      [`{"alg":"dir"`, "malformed"],
    ];
    for (const [header, reason] of cases) {
      const token = await forgeJwe({ header, plaintext, key });
      expect(await unsealSession(token, keys, { now: T0 }), header).toEqual({ ok: false, reason });
    }
  });

  it("refuses a header longer than any seal writes without decoding it", async () => {
    const { keys, key, kid } = await gcm();
    const token = await forgeJwe({ header: { alg: "dir", enc: "A256GCM", kid, pad: "x".repeat(2000) }, plaintext, key });
    const parse = vi.spyOn(JSON, "parse");
    expect(await unsealSession(token, keys, { now: T0, maxLength: 8192 })).toEqual({ ok: false, reason: "malformed" });
    expect(parse).not.toHaveBeenCalled();
    parse.mockRestore();
  });

  it("still opens tokens of every key of the ring, flagging the old one as rotated", async () => {
    for (const encryption of ["A256GCM", "A256CBC-HS512"] as const) {
      const current = await createKeyring(SECRET, { encryption });
      const old = await createKeyring(OLD_SECRET, { encryption });
      const ring = await createKeyring([SECRET, OLD_SECRET], { encryption });
      expect(await unsealSession(await sealSession(envelope(), current), ring, { now: T0 })).toMatchObject({ ok: true, rotated: false });
      expect(await unsealSession(await sealSession(envelope(), old), ring, { now: T0 })).toMatchObject({ ok: true, rotated: true });
    }
  });
});

describe("sealSession: only envelopes unsealSession opens", () => {
  const bad: [string, (e: Envelope) => unknown][] = [
    ["an id that is too short (17 characters)", (e) => ({ ...e, meta: { ...e.meta, id: "test-session-id-1" } })],
    ["an id of 65 characters", (e) => ({ ...e, meta: { ...e.meta, id: "A".repeat(65) } })],
    ["an id with a dot", (e) => ({ ...e, meta: { ...e.meta, id: `${"A".repeat(22)}.` } })],
    ["an id with + and /", (e) => ({ ...e, meta: { ...e.meta, id: `${"A".repeat(22)}+/` } })],
    ["an id with a trailing newline", (e) => ({ ...e, meta: { ...e.meta, id: `${"A".repeat(22)}\n` } })],
    ["a numeric id", (e) => ({ ...e, meta: { ...e.meta, id: 1234567890123456789012345 } })],
    ["a missing id", (e) => ({ ...e, meta: { ...e.meta, id: undefined } })],
    ["a negative created", (e) => ({ ...e, meta: { ...e.meta, created: -1000, lastUsed: 0 } })],
    ["a fractional created", (e) => ({ ...e, meta: { ...e.meta, created: T0 + 0.5 } })],
    ["a created of NaN", (e) => ({ ...e, meta: { ...e.meta, created: Number.NaN } })],
    ["a created of Infinity", (e) => ({ ...e, meta: { ...e.meta, created: Infinity, lastUsed: Infinity } })],
    ["a created given as a Date", (e) => ({ ...e, meta: { ...e.meta, created: new Date(T0) } })],
    ["a lastUsed given as a string", (e) => ({ ...e, meta: { ...e.meta, lastUsed: String(T0) } })],
    ["a lastUsed before created", (e) => ({ ...e, meta: { ...e.meta, lastUsed: T0 - 1000 } })],
    ["a negative lifetime", (e) => ({ ...e, meta: { ...e.meta, lifetime: -1 } })],
    ["a fractional lifetime", (e) => ({ ...e, meta: { ...e.meta, lifetime: 1.5 } })],
    ["data that is an array", (e) => ({ ...e, data: ["secret-value"] })],
    ["data that is null", (e) => ({ ...e, data: null })],
    ["data that is a string", (e) => ({ ...e, data: "secret-value" })],
    ["a flash that is a string", (e) => ({ ...e, flash: "secret-value" })],
    ["a flash that is null", (e) => ({ ...e, flash: null })],
    ["a flash that is an array", (e) => ({ ...e, flash: ["secret-value"] })],
    ["no meta", (e) => ({ data: e.data })],
    ["meta that is null", (e) => ({ ...e, meta: null })],
    ["an envelope that is null", () => null],
    [
      "data with a cycle",
      (e) => {
        const data: Record<string, unknown> = { note: "secret-value" };
        data.self = data;
        return { ...e, data };
      },
    ],
    ["data with a BigInt", (e) => ({ ...e, data: { "secret-value": 1n } })],
  ];

  it.each(bad)("refuses %s with a SessionConfigError that never quotes the data", async (_, make) => {
    const keys = await createKeyring(SECRET);
    const error = await sealSession(make(envelope()) as Envelope, keys).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SessionConfigError);
    expect((error as Error).message).toMatch(/^envelope/);
    expect((error as Error).message).not.toContain("secret-value");
  });

  it("accepts what the middleware writes: newSessionId(), ms timestamps (sealed to the second), no flash", async () => {
    const keys = await createKeyring(SECRET);
    const id = newSessionId();
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const meta = { id, created: T0 + 1999, lastUsed: T0 + 1999, lifetime: 3600 };
    const opened = await unsealSession(await sealSession({ data: {}, meta }, keys), keys, { now: T0 + 2000 });
    expect(opened).toEqual({
      ok: true,
      data: {},
      meta: { ...meta, created: T0 + 1000, lastUsed: T0 + 1000 },
      flash: undefined,
      rotated: false,
    });
  });

  it("accepts ids of 22 to 64 base64url characters, each opening again", async () => {
    const keys = await createKeyring(SECRET);
    for (const id of ["A".repeat(22), "-_".repeat(32), "test-session-id-0000001"]) {
      const token = await sealSession(envelope({ id }), keys);
      expect(await unsealSession(token, keys, { now: T0 })).toMatchObject({ ok: true, meta: { id } });
    }
  });
});
