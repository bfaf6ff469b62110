import { base64url, CompactEncrypt, compactDecrypt } from "jose";
import { sealingHeader, type Encryption, type Keyring } from "./keyring.js";

/** Why a sealed value was refused. Never carries key material or plaintext. */
export type UnsealFailure =
  /**
   * Not a compact JWE as `seal` writes it: not a string, wrong segment count or lengths, bad or non-canonical
   * base64url, bad header JSON, or the right header members spelled otherwise than byte for byte.
   */
  | "malformed"
  /** A header with other members or values than `{ alg: "dir", enc: <configured>, kid }` (alg confusion, zip, crit, jku...). */
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

// Canonical unpadded base64url only: the decoder behind jose also accepts padding, whitespace and non-zero
// unused bits in a segment's last character, which would give one sealed value many spellings (a denylist
// or cache keyed by the cookie string could then be bypassed). The header is compared byte for byte, the IV
// and tag have fixed lengths, each segment's last character is looked at (unused bits), and a character the
// decoder skips in the ciphertext leaves fewer bytes than its length says (checked on the plaintext, see
// sealedLength): no scan of the whole token, which cost about 1 ns a character (3.4 us on 4 KB).

/** One segment alone (a refused header, decoded to say why). */
const SEGMENT_CHARS = /^[A-Za-z0-9_-]*$/;
/** Last characters whose unused low bits are zero, for segments of length 4n+2 and 4n+3. */
const LAST_OF_2 = "AQgw";
const LAST_OF_3 = "AEIMQUYcgkosw048";

/** Whether the last character of `token[from, to)` leaves no unused bits set, and the length is one base64url has. */
function isCanonical(token: string, from: number, to: number): boolean {
  switch ((to - from) % 4) {
    case 0:
      return true;
    case 2:
      return LAST_OF_2.includes(token[to - 1]!);
    case 3:
      return LAST_OF_3.includes(token[to - 1]!);
    default:
      return false; // 4n+1 characters encode no whole byte
  }
}

/**
 * Longest protected header decoded to say why it was refused. The headers `seal` writes take 70 or 76
 * characters; anything else is refused whatever its length, and past this one without being decoded.
 */
const MAX_HEADER_CHARS = 1024;

/** Base64url lengths of the IV and the tag, fixed by the content encryption (12/16-byte IV, 16/32-byte tag). */
const SHAPE: Record<Encryption, { iv: number; tag: number }> = {
  A256GCM: { iv: 16, tag: 22 },
  "A256CBC-HS512": { iv: 22, tag: 43 },
};

/** Seals bytes as a compact JWE (`dir`, the ring's `enc`, `kid` of the current key). */
export function seal(plaintext: Uint8Array, keys: Keyring): Promise<string> {
  const { kid, key } = keys.current;
  return new CompactEncrypt(plaintext).setProtectedHeader(sealingHeader(keys.encryption, kid)).encrypt(key);
}

/**
 * Opens a compact JWE sealed by {@link seal} with any key of the ring. Never throws for bad input (a
 * non-string included): every refusal is a typed reason.
 *
 * The shape is checked before anything is decoded or decrypted, without building per-segment strings: exactly
 * four dots, the header being byte for byte one that `seal` writes for a key of the ring (which names the
 * key), an empty encrypted key, an IV and a tag of the lengths the ring's `enc` fixes, no unused bits set in
 * any segment's last character; a ciphertext holding anything but base64url digits is refused once decoded
 * (jose refuses other alphabets; a skipped character leaves fewer bytes than the segment's length says).
 */
export async function unseal(token: unknown, keys: Keyring, maxLength: number): Promise<UnsealResult> {
  if (typeof token !== "string") return { ok: false, reason: "malformed" };
  if (token.length > maxLength) return { ok: false, reason: "too-large" };
  // header . encryptedKey . iv . ciphertext . tag: four dots, and no fifth (found without splitting, so a
  // value of millions of dots costs no more than five look-ups).
  const d1 = token.indexOf(".");
  if (d1 === -1 || d1 > MAX_HEADER_CHARS) return { ok: false, reason: "malformed" };
  const d2 = token.indexOf(".", d1 + 1);
  const d3 = d2 === -1 ? -1 : token.indexOf(".", d2 + 1);
  const d4 = d3 === -1 ? -1 : token.indexOf(".", d3 + 1);
  if (d4 === -1 || token.indexOf(".", d4 + 1) !== -1) return { ok: false, reason: "malformed" };
  const header = token.slice(0, d1);
  const used = keys.findByHeader(header);
  if (!used) return { ok: false, reason: refusedHeader(header, keys) };
  const shape = SHAPE[keys.encryption];
  if (d2 !== d1 + 1 || d3 - d2 - 1 !== shape.iv || token.length - d4 - 1 !== shape.tag) return { ok: false, reason: "malformed" };
  // The header matched a known one, so it is canonical; the encrypted key is empty.
  if (!isCanonical(token, d2 + 1, d3) || !isCanonical(token, d3 + 1, d4) || !isCanonical(token, d4 + 1, token.length)) {
    return { ok: false, reason: "malformed" };
  }
  try {
    // No allowlists for jose to check: the header is byte for byte one `seal` wrote (`dir`, the ring's `enc`, a
    // known `kid`; no `zip`, no `crit`), which says more than an allowlist can, and building jose's per-call
    // sets of allowed algorithms cost every request about 0.7 us.
    const { plaintext } = await compactDecrypt(token, used.key);
    // A character the decoder skipped (whitespace, padding) in the ciphertext: fewer bytes than its length says.
    if (sealedLength(keys.encryption, plaintext.length) !== Math.floor(((d4 - d3 - 1) * 3) / 4)) return { ok: false, reason: "malformed" };
    return { ok: true, plaintext, rotated: used !== keys.current };
  } catch (error) {
    return { ok: false, reason: failureOf(error) };
  }
}

/** Bytes of the ciphertext of `plaintext` bytes: as many for GCM, PKCS#7-padded to whole 16-byte blocks for CBC. */
function sealedLength(encryption: Encryption, plaintext: number): number {
  return encryption === "A256GCM" ? plaintext : (plaintext & ~15) + 16;
}

/**
 * Why a header that is not byte for byte one `seal` writes is refused, for the caller's logs: decoded and
 * parsed only here, off the hot path, and bounded by {@link MAX_HEADER_CHARS}.
 */
function refusedHeader(segment: string, keys: Keyring): UnsealFailure {
  if (!SEGMENT_CHARS.test(segment) || !isCanonical(segment, 0, segment.length)) return "malformed";
  let header: unknown;
  try {
    header = JSON.parse(strictDecoder.decode(base64url.decode(segment)));
  } catch {
    return "malformed";
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) return "malformed";
  const { alg, enc, kid } = header as Record<string, unknown>;
  for (const name in header) if (!ALLOWED_HEADER.has(name)) return "algorithm";
  if (alg !== "dir" || enc !== keys.encryption) return "algorithm";
  if (typeof kid !== "string" || !keys.find(kid)) return "unknown-key";
  // The right members and values, spelled otherwise (whitespace, order, escapes, duplicates, a BOM).
  return "malformed";
}

/** Header bytes as they are: a byte-order mark stays a character (and makes the JSON invalid), bad UTF-8 throws. */
const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function failureOf(error: unknown): UnsealFailure {
  // The header is one `seal` wrote, so jose has no algorithm to refuse: it either fails authentication or
  // finds a segment it cannot use (a TypeError from Web Crypto, a ciphertext CBC cannot unpad...).
  return (error as { code?: unknown } | null)?.code === "ERR_JWE_DECRYPTION_FAILED" ? "tampered" : "malformed";
}
