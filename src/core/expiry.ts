import type { SessionMeta } from "./envelope.js";

/** Why the server refused an otherwise valid session. */
export type ExpiredReason = "idle" | "absolute";

export interface ExpiryLimits {
  /** Seconds since `lastUsed` after which the session is refused. */
  idleTimeout?: number | undefined;
  /** Seconds since `created` after which the session is refused. */
  absoluteTimeout?: number | undefined;
}

/** How far a sealed timestamp may lie in the future (clock skew between locations) before it is refused. */
export const CLOCK_SKEW_MS = 60_000;

/**
 * Seconds kept, for a session with no idle or absolute limit, of what would otherwise outlive it by its
 * deadline: its stored copy after the last write, its device-list link, a revocation made without a bound.
 */
export const UNBOUNDED_TTL = 14 * 24 * 3600;

/**
 * The server's verdict on a session's age, from the sealed metadata only: the cookie's own Max-Age is never
 * trusted, so a replayed old cookie fails the same check. A `lifetime` (cookie Max-Age) also bounds idle time:
 * a cookie the browser would have dropped is not accepted when replayed.
 */
export function expiryOf(meta: SessionMeta, now: number, limits: ExpiryLimits): ExpiredReason | "future" | undefined {
  const future = now + CLOCK_SKEW_MS;
  if (meta.created > future || meta.lastUsed > future || meta.lastUsed < meta.created || (meta.authenticatedAt ?? 0) > future) {
    return "future";
  }
  const { absoluteTimeout } = limits;
  if (absoluteTimeout && now - meta.created > absoluteTimeout * 1000) return "absolute";
  const idle = idleLimit(meta, limits);
  if (idle && now - meta.lastUsed > idle * 1000) return "idle";
  return undefined;
}

/**
 * When the session stops being accepted: its idle deadline (from `lastUsed`) or its absolute one (from
 * `created`), whichever comes first; ms since epoch, `Infinity` when no limit applies. The one computation
 * behind store TTLs, cookie Max-Age, revocation records, device-list links and `secondsLeft()`.
 */
export function deadlineOf(meta: Pick<SessionMeta, "created" | "lastUsed" | "lifetime">, limits: ExpiryLimits): number {
  const idle = idleLimit(meta, limits);
  const { absoluteTimeout } = limits;
  return Math.min(idle ? meta.lastUsed + idle * 1000 : Infinity, absoluteTimeout ? meta.created + absoluteTimeout * 1000 : Infinity);
}

/** Effective idle limit in seconds (0 = none): the smaller of idleTimeout and a persistent cookie's lifetime. */
export function idleLimit(meta: Pick<SessionMeta, "lifetime">, limits: ExpiryLimits): number {
  const candidates = [limits.idleTimeout, meta.lifetime].filter((s): s is number => !!s && s > 0);
  return candidates.length ? Math.min(...candidates) : 0;
}
