import { base64url, type JWK } from "jose";
import { boundedCache } from "../core/bounded-cache.js";
import { BINDING_KEY } from "../core/schema.js";
import type { Session } from "../core/session.js";
import type { BindingAlgorithm } from "./options.js";

/**
 * The session data key the binding lives under (core/schema.ts, whose validation leaves it to the library),
 * sealed with the rest of the session (in the cookie or the store): every mode holds it, and nobody without the
 * session's secret reads or forges it.
 */
export { BINDING_KEY };

/**
 * A session's binding. `k` (32 random bytes) keys the MACs of its challenges and bound cookies: a challenge or
 * cookie of another session does not verify under it. Without `jwk` the registration was offered, not done.
 */
export interface BindingRecord {
  k: string;
  /** The DBSC session identifier the browser sends back (random, not the session id). */
  id?: string | undefined;
  alg?: BindingAlgorithm | undefined;
  jwk?: JWK | undefined;
  /** When the browser registered (ms since epoch). */
  since?: number | undefined;
  /** Issue time (ms) of the last challenge a proof answered: older or equal ones are replays. */
  last?: number | undefined;
}

/** The session's binding, or undefined (never offered, or data that is not one). */
export async function recordOf(session: Session<any>): Promise<BindingRecord | undefined> {
  const value: unknown = await session.get(BINDING_KEY);
  if (typeof value !== "object" || value === null || typeof (value as BindingRecord).k !== "string") return undefined;
  return value as BindingRecord;
}

export function saveRecord(session: Session<any>, record: BindingRecord): void {
  session.set(BINDING_KEY, record);
}

/** A fresh random value, base64url. */
export function randomValue(bytes: number): string {
  return base64url.encode(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** HMAC-SHA-256 of `message` under the binding's key, first 16 bytes, base64url. */
export async function mac(k: string, message: string): Promise<string> {
  const signature = await crypto.subtle.sign("HMAC", await macKey(k), new TextEncoder().encode(message));
  return base64url.encode(new Uint8Array(signature, 0, 16));
}

/**
 * Imported MAC keys of this isolate, by their key material (`k`, base64url): a bound session's every request
 * checks its bound cookie, and importing its key each time cost as much as the MAC itself. Each entry answers
 * only for the exact material it was imported from. Bounded, least recently used out first.
 */
const macKeys = boundedCache<string, CryptoKey>(256);

function macKey(k: string): Promise<CryptoKey> {
  return (
    macKeys.get(k) ??
    macKeys.set(k, crypto.subtle.importKey("raw", base64url.decode(k), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]))
  );
}

/** Constant-time comparison of two MACs (same length checked first: the length is not secret). */
export function sameMac(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
