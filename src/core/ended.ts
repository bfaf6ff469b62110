import type { Keyring } from "../crypto/keyring.js";
import { seal } from "../crypto/seal.js";
import { isObject, isSeconds } from "./envelope.js";
import { CLOCK_SKEW_MS, type ExpiredReason } from "./expiry.js";
import type { InvalidReason } from "./token.js";

/**
 * Why a session ended without the app ending it, as an ended-session marker carries it: a time limit
 * (`s.expired`), or its stored copy revoked or gone (`s.invalid`: destroyed or revoked from another device,
 * deleted by an admin).
 */
export type EndedReason = ExpiredReason | Extract<InvalidReason, "revoked" | "missing">;

/** What a marker says: why the session ended, and when (seconds since epoch). */
export interface Ended {
  reason: EndedReason;
  at: number;
}

/**
 * Seconds an ended-session marker is kept (its Max-Age) and accepted after it was set. The first request to
 * meet a session that ended (often an idle-warning poll, or an image) replaces its cookie with the marker,
 * so the page the user lands on next still learns why; long enough for that page, short enough that an old
 * notice does not greet a visitor who comes back later.
 */
export const ENDED_MAX_AGE = 600;

const REASONS: ReadonlySet<unknown> = new Set<EndedReason>(["idle", "absolute", "revoked", "missing"]);
const encoder = new TextEncoder();

/**
 * Why the cookie of this request was refused, when that means its session ended (a marker is then worth
 * setting): never for a cookie that was malformed, tampered with or sealed with an unknown key.
 */
export function endedReasonOf(found: {
  expired?: ExpiredReason | undefined;
  invalid?: InvalidReason | undefined;
}): EndedReason | undefined {
  if (found.expired) return found.expired;
  return found.invalid === "revoked" || found.invalid === "missing" ? found.invalid : undefined;
}

/**
 * The marker's cookie value: `{"e":reason,"t":seconds}` sealed with the session cookie's keys, so it cannot
 * be forged. It holds no data and no id: a copy or a replay only makes a page say why a session ended.
 * Neither an envelope (`{"i":...}`) nor a pointer (one member, `o` or `s`): it never opens as a session.
 */
export function sealEnded(reason: EndedReason, now: number, keys: Keyring): Promise<string> {
  return seal(encoder.encode(JSON.stringify({ e: reason, t: Math.floor(now / 1000) })), keys);
}

/** The marker a cookie's parsed plaintext is, or undefined when it is not one. */
export function endedOf(wire: unknown): Ended | undefined {
  if (!isObject(wire) || Object.keys(wire).length !== 2) return undefined;
  const { e, t } = wire;
  return REASONS.has(e) && isSeconds(t) ? { reason: e as EndedReason, at: t } : undefined;
}

/** Whether a marker set at `at` (seconds) is still within its lifetime at `now` (ms), clock skew allowed. */
export function isCurrent(ended: Ended, now: number): boolean {
  const at = ended.at * 1000;
  return at <= now + CLOCK_SKEW_MS && now - at <= ENDED_MAX_AGE * 1000 + CLOCK_SKEW_MS;
}
