/**
 * Hand-built attack inputs. The library refuses anything but `{alg: "dir", enc, kid}`, so jose's own encrypt
 * cannot produce most of what an attacker sends; these helpers build compact JWEs byte by byte with Web
 * Crypto, with any header text, IV, tag or encrypted-key segment. {@link stringWork} counts what parsing
 * such inputs costs, so that CPU-cost attacks are tested without timing anything.
 */
import { base64url } from "jose";
import { vi } from "vitest";

const encoder = new TextEncoder();
const FORMAT = "edge-session/v1";

/**
 * The raw content key the keyring derives for a secret (same HKDF as src/crypto/keyring.ts). Tests use it to
 * play an insider who knows the key, so that a refusal is proven to come from the check under test and not
 * from a failed decryption.
 */
export async function rawKey(secret: string, purpose: string, encryption: "A256GCM" | "A256CBC-HS512" = "A256GCM"): Promise<Uint8Array> {
  const base = await crypto.subtle.importKey("raw", encoder.encode(secret), "HKDF", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    { name: "HKDF", hash: "SHA-256", salt: encoder.encode(FORMAT), info: encoder.encode(`${FORMAT}|key|${encryption}|${purpose}`) },
    base,
    encryption === "A256GCM" ? 256 : 512,
  );
  return new Uint8Array(bits);
}

export interface ForgeInput {
  /** A header object, or the exact header JSON text (for duplicate members, non-objects, bad JSON). */
  header: Record<string, unknown> | string;
  plaintext: string | Uint8Array;
  /** 32-byte AES-GCM key (see {@link rawKey}); a random one plays an attacker without the key. */
  key: Uint8Array;
  iv?: Uint8Array;
  /** Second segment; empty for `dir`. */
  encryptedKey?: string;
  /** Bytes of the tag to keep (GCM short-tag forgeries). Default 16. */
  tagBytes?: number;
}

/** A compact JWE `header.encryptedKey.iv.ciphertext.tag`, AES-GCM with the header as AAD, as RFC 7516 says. */
export async function forgeJwe(input: ForgeInput): Promise<string> {
  const headerText = typeof input.header === "string" ? input.header : JSON.stringify(input.header);
  const protectedHeader = base64url.encode(encoder.encode(headerText));
  const iv = input.iv ?? crypto.getRandomValues(new Uint8Array(12));
  const plaintext = typeof input.plaintext === "string" ? encoder.encode(input.plaintext) : input.plaintext;
  const key = await crypto.subtle.importKey("raw", input.key, "AES-GCM", false, ["encrypt"]);
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(protectedHeader), tagLength: 128 }, key, plaintext),
  );
  const ciphertext = sealed.subarray(0, sealed.length - 16);
  const tag = sealed.subarray(sealed.length - 16, sealed.length - 16 + (input.tagBytes ?? 16));
  return [protectedHeader, input.encryptedKey ?? "", base64url.encode(iv), base64url.encode(ciphertext), base64url.encode(tag)].join(".");
}

export interface WireEnvelope {
  i?: unknown;
  c?: unknown;
  u?: unknown;
  l?: unknown;
  d?: unknown;
  f?: unknown;
  /** The session's own limits `{ l?, i?, a? }` (setLimits). */
  s?: unknown;
}

/** The session plaintext (see src/envelope.ts) with timestamps in ms; any field may be overridden raw. */
export function envelopeText(data: unknown, at: { created: number; lastUsed?: number }, raw: WireEnvelope = {}): string {
  const wire: WireEnvelope = {
    i: "AAAAAAAAAAAAAAAAAAAAAA",
    c: Math.floor(at.created / 1000),
    u: Math.floor((at.lastUsed ?? at.created) / 1000),
    l: 0,
    d: data,
    ...raw,
  };
  return JSON.stringify(wire);
}

/** Base64url of a string's UTF-8 bytes. */
export function b64(text: string): string {
  return base64url.encode(encoder.encode(text));
}

/** Characters a call of each String method looks at, from its receiver, arguments and result. */
const WORK: Record<string, (self: string, args: unknown[], result: unknown) => number> = {
  // A search scans from its start to the match (or to the end when there is none).
  indexOf: (self, [search, from], result) =>
    Math.max(0, ((result as number) === -1 ? self.length : (result as number) + String(search).length) - Number(from ?? 0)),
  includes: (self) => self.length,
  startsWith: (_, [search]) => String(search).length,
  charCodeAt: () => 1,
  slice: (_, __, result) => (result as string).length,
  split: (self) => self.length,
};

/**
 * How many characters String methods looked at while `run` ran: a deterministic stand-in for CPU time.
 * Parsing that rescans its input shows up as a multiple of the input's length; tests assert a bound on this
 * count, never a duration. Counts every string in the runtime meanwhile, so keep `run` short (no I/O).
 */
export async function stringWork(run: () => unknown): Promise<number> {
  const spies = Object.keys(WORK).map((name) => [name, vi.spyOn(String.prototype, name as "indexOf")] as const);
  let recorded: [string, unknown[][], unknown[], unknown[]][];
  try {
    await run();
  } finally {
    // Copied before restoring (restoring clears what the spies recorded).
    recorded = spies.map(([name, { mock }]) => [name, mock.calls.slice(), mock.contexts.slice(), mock.results.map((r) => r.value)]);
    for (const [, spy] of spies) spy.mockRestore();
  }
  let work = 0;
  for (const [name, calls, contexts, results] of recorded) {
    for (let i = 0; i < calls.length; i++) work += WORK[name]!(String(contexts[i]), calls[i]!, results[i]);
  }
  return work;
}
