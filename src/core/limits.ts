import type { SessionLimits, SessionMeta } from "./envelope.js";
import { SessionConfigError, SessionLimitError } from "./errors.js";
import type { ExpiryLimits } from "./expiry.js";
import { checkKeys, type KnownKeys } from "./known-keys.js";

const SESSION_LIMITS: KnownKeys<SessionLimits> = { lifetime: true, idleTimeout: true, absoluteTimeout: true };

/** The engine's limits: what a session without its own gets, and the most a session may set. */
export interface LimitBounds {
  limits: ExpiryLimits;
  /** Cookie Max-Age in seconds; 0 = browser-session cookie. */
  lifetime: number;
  /** The upper bounds (`maxLifetime`, `maxIdleTimeout`, `maxAbsoluteTimeout`); default: the limits above. */
  max: { lifetime: number; idleTimeout: number | undefined; absoluteTimeout: number | undefined };
}

/**
 * Validates what `setLimits()` was given: `SessionConfigError` for a malformed value or an unknown key,
 * `SessionLimitError` for one past the engine's bound. Returns the limits to seal (only those given).
 */
export function checkLimits(input: unknown, bounds: LimitBounds): SessionLimits {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new SessionConfigError("setLimits() takes an object { lifetime?, idleTimeout?, absoluteTimeout? }");
  }
  checkKeys(input, SESSION_LIMITS, "setLimits()");
  const given = input as SessionLimits;
  const limits: { -readonly [K in keyof SessionLimits]: number } = {};
  for (const name of ["lifetime", "idleTimeout", "absoluteTimeout"] as const) {
    const value = given[name];
    if (value === undefined) continue;
    const least = name === "lifetime" ? 0 : 1;
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < least) {
      throw new SessionConfigError(`setLimits(): ${name} must be a whole number of seconds, at least ${least}`);
    }
    const max = bounds.max[name];
    if (max !== undefined && value > max) throw new SessionLimitError(name, max);
    limits[name] = value;
  }
  return limits;
}

/**
 * The limits the server enforces on a session: the engine's, or the session's own bounded by the engine's
 * current maximum (a deploy that tightens the bounds applies to sessions sealed before it). A session with
 * its own limits is also held to `maxLifetime` as an idle bound, so a browser-session choice never outlives
 * what a persistent cookie could.
 */
export function limitsOf(meta: Pick<SessionMeta, "limits">, bounds: LimitBounds): ExpiryLimits {
  const own = meta.limits;
  if (!own) return bounds.limits;
  const { max, limits } = bounds;
  return {
    idleTimeout: least(own.idleTimeout ?? limits.idleTimeout, max.idleTimeout, max.lifetime || undefined),
    absoluteTimeout: least(own.absoluteTimeout ?? limits.absoluteTimeout, max.absoluteTimeout),
  };
}

/** The cookie Max-Age of a session: its own lifetime (bounded by `maxLifetime`) or the engine's. */
export function lifetimeOf(meta: Pick<SessionMeta, "limits">, bounds: LimitBounds): number {
  const own = meta.limits?.lifetime;
  return own === undefined ? bounds.lifetime : Math.min(own, bounds.max.lifetime);
}

/**
 * How often an unchanged session is resealed: the engine's `touchAfter`, or less for a session whose own idle
 * limit is shorter (a tenth of it), so a user who keeps reading is not logged out.
 */
export function touchOf(meta: Pick<SessionMeta, "limits">, touchAfterMs: number): number {
  const idle = least(meta.limits?.idleTimeout, meta.limits?.lifetime || undefined);
  return idle === undefined ? touchAfterMs : Math.min(touchAfterMs, 1000 * Math.max(1, Math.floor(idle / 10)));
}

/** The least of the values given (undefined: none); two or three arguments, no rest array per call. */
function least(a: number | undefined, b: number | undefined, c?: number): number | undefined {
  const ab = a === undefined ? b : b === undefined || a < b ? a : b;
  return ab === undefined ? c : c === undefined || ab < c ? ab : c;
}
