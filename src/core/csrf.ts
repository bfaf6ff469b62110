import { base64url } from "jose";

/** Bytes of the mask and of the per-session secret (HMAC-SHA-256). */
const SIZE = 32;
/** base64url length of a token: mask and masked secret, 64 bytes. */
const TOKEN_LENGTH = 86;

/**
 * A CSRF token for a session's secret: `mask || (mask XOR secret)` in base64url, with a fresh random mask on
 * every call, so no two responses carry the same bytes (BREACH: a compressed page that reflects input must
 * not let an attacker guess the secret byte by byte).
 *
 * @example
 * ```ts
 * const [secret] = await keyring.csrfSecrets(session.id);
 * const token = maskToken(secret!);
 * ```
 */
export function maskToken(secret: Uint8Array): string {
  if (drawn === pool.length) {
    pool = crypto.getRandomValues(new Uint8Array(POOL));
    drawn = 0;
  }
  const at = drawn;
  drawn += SIZE; // a mask is never handed out twice: `drawn` only moves on
  for (let i = 0; i < SIZE; i++) {
    const mask = pool[at + i]!;
    token[i] = mask;
    token[SIZE + i] = mask ^ secret[i]!;
  }
  return base64url.encode(token);
}

/** Random masks drawn 128 at a time: one call into the runtime's generator per 128 tokens, not per token. */
const POOL = SIZE * 128;
let pool = new Uint8Array(0);
let drawn = 0;
/** Where {@link maskToken} writes a token's bytes before encoding them: nothing awaits in between. */
const token = new Uint8Array(SIZE * 2);

/**
 * Whether `token` unmasks to one of `secrets` (the session's, under each key of the ring), compared in
 * constant time: anything that is not a well-formed token answers false, never throws.
 *
 * @example
 * ```ts
 * if (!tokenMatches(c.req.header("X-CSRF-Token"), await keyring.csrfSecrets(session.id))) return c.text("Forbidden", 403);
 * ```
 */
export function tokenMatches(token: unknown, secrets: readonly Uint8Array[]): boolean {
  if (typeof token !== "string" || token.length !== TOKEN_LENGTH) return false;
  const bytes = tokenBytes(token);
  if (!bytes) return false;
  let matched = false;
  for (const secret of secrets) {
    let diff = 0;
    for (let i = 0; i < SIZE; i++) diff |= bytes[i]! ^ bytes[SIZE + i]! ^ secret[i]!;
    matched = matched || diff === 0;
  }
  return matched;
}

/** Each base64url digit's value by character code; -1 for every other ASCII character. */
const DIGITS = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) DIGITS["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".charCodeAt(i)] = i;
/** Where {@link tokenBytes} decodes to: read before the next call (nothing awaits in between). */
const decoded = new Uint8Array(SIZE * 2);

/**
 * The 64 bytes of an 86-character token, or undefined when a character is not a base64url digit or the last
 * one's 4 spare bits are set (a token's encoding leaves them zero: one spelling per token). Decoded here,
 * not with jose's `base64url`, which goes through the runtime's decoder (an options object, a new array,
 * whitespace and padding skipped) on every unsafe request.
 */
function tokenBytes(token: string): Uint8Array | undefined {
  let bits = 0;
  let value = 0;
  let at = 0;
  for (let i = 0; i < TOKEN_LENGTH; i++) {
    const code = token.charCodeAt(i);
    const digit = code < 128 ? DIGITS[code]! : -1;
    if (digit < 0) return undefined;
    value = (value << 6) | digit;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      decoded[at++] = value >> bits;
      value &= (1 << bits) - 1;
    }
  }
  return value === 0 ? decoded : undefined;
}
