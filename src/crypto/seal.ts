import { CompactEncrypt, compactDecrypt, type CompactJWEHeaderParameters } from "jose";
import type { Keyring, SealingKey } from "./keyring.js";

/** Why a sealed value was refused. Never carries key material or plaintext. */
export type UnsealFailure =
  /** Not a compact JWE: wrong segment count, bad base64url, bad header JSON. */
  | "malformed"
  /** A header other than exactly `{ alg: "dir", enc: <configured>, kid }` (alg confusion, zip, crit, jku...). */
  | "algorithm"
  /** Sealed with a key that is not (or no longer) in the ring, or for another purpose. */
  | "unknown-key"
  /** Authentication failed: the value was changed. */
  | "tampered"
  /** Longer than the caller allows; refused before any crypto. */
  | "too-large";

export type UnsealResult =
  | { ok: true; plaintext: Uint8Array; /** Sealed with a previous key: re-seal with the current one. */ rotated: boolean }
  | { ok: false; reason: UnsealFailure };

const ALLOWED_HEADER = new Set(["alg", "enc", "kid"]);

/**
 * Canonical unpadded base64url only: the decoder behind jose also accepts padding, whitespace and non-zero
 * unused bits in a segment's last character, which would give one sealed value many spellings (a denylist
 * or cache keyed by the cookie string could then be bypassed). One character-class scan over the token,
 * then a constant-time look at each segment's end: cheaper than a per-segment grouped pattern on 4 KB.
 */
const TOKEN_CHARS = /^[A-Za-z0-9_.-]*$/;
/** Last characters whose unused low bits are zero, for segments of length 4n+2 and 4n+3. */
const LAST_OF_2 = "AQgw";
const LAST_OF_3 = "AEIMQUYcgkosw048";

function isCanonical(segment: string): boolean {
  switch (segment.length % 4) {
    case 0:
      return true;
    case 2:
      return LAST_OF_2.includes(segment[segment.length - 1]!);
    case 3:
      return LAST_OF_3.includes(segment[segment.length - 1]!);
    default:
      return false; // 4n+1 characters encode no whole byte
  }
}

/** Marks failures raised by our own header checks inside jose's key resolver. */
class Refused extends Error {
  constructor(readonly reason: UnsealFailure) {
    super(reason);
  }
}

/** Seals bytes as a compact JWE (`dir`, the ring's `enc`, `kid` of the current key). */
export function seal(plaintext: Uint8Array, keys: Keyring): Promise<string> {
  const { kid, key } = keys.current;
  return new CompactEncrypt(plaintext)
    .setProtectedHeader({ alg: "dir", enc: keys.encryption, kid })
    .encrypt(key);
}

/**
 * Opens a compact JWE sealed by {@link seal} with any key of the ring. Never throws for bad input: every
 * refusal is a typed reason.
 */
export async function unseal(token: string, keys: Keyring, maxLength: number): Promise<UnsealResult> {
  if (token.length > maxLength) return { ok: false, reason: "too-large" };
  const segments = token.split(".");
  if (segments.length !== 5 || !TOKEN_CHARS.test(token) || !segments.every(isCanonical)) return { ok: false, reason: "malformed" };
  let used: SealingKey | undefined;
  try {
    const { plaintext } = await compactDecrypt(
      token,
      (header: CompactJWEHeaderParameters) => {
        used = resolveKey(header, keys);
        return used.key;
      },
      {
        keyManagementAlgorithms: ["dir"],
        contentEncryptionAlgorithms: [keys.encryption],
        // Compression is refused outright: no decompression bombs, no compression oracles.
        maxDecompressedLength: 0,
      },
    );
    return { ok: true, plaintext, rotated: used !== keys.current };
  } catch (error) {
    return { ok: false, reason: failureOf(error) };
  }
}

function resolveKey(header: CompactJWEHeaderParameters, keys: Keyring): SealingKey {
  for (const name in header) if (!ALLOWED_HEADER.has(name)) throw new Refused("algorithm");
  if (header.alg !== "dir" || header.enc !== keys.encryption) throw new Refused("algorithm");
  const key = typeof header.kid === "string" ? keys.find(header.kid) : undefined;
  if (!key) throw new Refused("unknown-key");
  return key;
}

function failureOf(error: unknown): UnsealFailure {
  if (error instanceof Refused) return error.reason;
  switch ((error as { code?: unknown } | null)?.code) {
    case "ERR_JWE_DECRYPTION_FAILED":
      return "tampered";
    case "ERR_JOSE_ALG_NOT_ALLOWED":
    case "ERR_JOSE_NOT_SUPPORTED":
      return "algorithm";
    default:
      // JWEInvalid, bad base64url, a TypeError from Web Crypto on a wrong-length IV or tag...
      return "malformed";
  }
}
