/**
 * Password hashes with PBKDF2-SHA-256 from Web Crypto, in the form
 * `pbkdf2-sha256$<iterations>$<salt base64url>$<hash base64url>`.
 */
import { base64url } from "jose";

/** workerd refuses PBKDF2 above 100,000 iterations; OWASP asks for more, so a real bank would use a service. */
export const PBKDF2_ITERATIONS = 100_000;

const PREFIX = "pbkdf2-sha256";
const encoder = new TextEncoder();

async function derive(password: string, salt: Uint8Array, iterations: number, bytes: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, bytes * 8);
  return new Uint8Array(bits);
}

/** Hashes a password with a fresh random salt. */
export async function hashPassword(password: string, iterations = PBKDF2_ITERATIONS): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await derive(password, salt, iterations, 32);
  return [PREFIX, iterations, base64url.encode(salt), base64url.encode(hash)].join("$");
}

/** True when `password` matches `stored`; a malformed hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 4 || parts[0] !== PREFIX) return false;
  if (!/^[1-9]\d{0,5}$/.test(parts[1]!)) return false;
  const iterations = Number(parts[1]);
  if (iterations > PBKDF2_ITERATIONS) return false;
  let salt: Uint8Array;
  let expected: Uint8Array;
  try {
    salt = base64url.decode(parts[2]!);
    expected = base64url.decode(parts[3]!);
  } catch {
    return false;
  }
  if (salt.length < 8 || expected.length < 16) return false;
  return constantTimeEqual(await derive(password, salt, iterations, expected.length), expected);
}

/** Compares without an early exit, so the time taken does not tell how many leading bytes matched. */
function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
}
