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
  const token = nextMask();
  for (let i = 0; i < SIZE; i++) token[SIZE + i] = token[i]! ^ secret[i]!;
  return base64url.encode(token);
}

/** Random bytes drawn 64 tokens at a time: one call into the runtime's generator per 64 tokens, not per token. */
const POOL = SIZE * 2 * 64;
let pool = new Uint8Array(0);
let drawn = 0;

/** A token's bytes, the first half a fresh random mask (never handed out twice: `drawn` only moves on). */
function nextMask(): Uint8Array {
  if (drawn === pool.length) {
    pool = crypto.getRandomValues(new Uint8Array(POOL));
    drawn = 0;
  }
  return pool.slice(drawn, (drawn += SIZE * 2)); // a copy: the second half is written over
}

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
  let bytes: Uint8Array;
  try {
    bytes = base64url.decode(token);
  } catch {
    return false; // a character outside base64url
  }
  // 86 characters carry 64 bytes only when every one is a base64url digit: the decoder skips whitespace and
  // padding, and each skipped character leaves fewer bytes. No pattern test needed before it.
  if (bytes.length !== SIZE * 2) return false;
  let matched = false;
  for (const secret of secrets) {
    let diff = 0;
    for (let i = 0; i < SIZE; i++) diff |= bytes[i]! ^ bytes[SIZE + i]! ^ secret[i]!;
    matched = matched || diff === 0;
  }
  return matched;
}
