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
  // One random fill of the whole token (its second half is overwritten): no subarray view per token.
  const token = crypto.getRandomValues(new Uint8Array(SIZE * 2));
  for (let i = 0; i < SIZE; i++) token[SIZE + i] = token[i]! ^ secret[i]!;
  return base64url.encode(token);
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
  if (typeof token !== "string" || token.length !== TOKEN_LENGTH || !/^[\w-]+$/.test(token)) return false;
  let bytes: Uint8Array;
  try {
    bytes = base64url.decode(token);
  } catch {
    return false;
  }
  if (bytes.length !== SIZE * 2) return false;
  let matched = false;
  for (const secret of secrets) {
    let diff = 0;
    for (let i = 0; i < SIZE; i++) diff |= bytes[i]! ^ bytes[SIZE + i]! ^ secret[i]!;
    matched = matched || diff === 0;
  }
  return matched;
}
