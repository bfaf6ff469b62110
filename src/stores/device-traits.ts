import { isObject, isSeconds, type Envelope, type SessionLimits } from "../core/envelope.js";
import { BINDING_KEY } from "../core/schema.js";

/**
 * What a device list tells of a session besides its times: how long it is kept ("remembered until ...",
 * "signed out after N minutes idle") and whether it is bound to a device key (DBSC). Reported by whoever
 * sees the sealed session: `linkSession` at login, a server-side write, a cookie-mode revocation check.
 *
 * @example
 * ```ts
 * const traits: DeviceTraits = { lifetime: 30 * 86400, limits: { idleTimeout: 7 * 86400 }, expiresAt: Date.now() + 7 * 86400_000 };
 * ```
 */
export interface DeviceTraits {
  /** The cookie's Max-Age in seconds as last sealed: 0 = it ends with the browser; more = remembered on the device. */
  lifetime: number;
  /**
   * The session's own limits (`setLimits()`, e.g. "keep me signed in"), as sealed; absent: it has none, the
   * engine's limits apply (the app knows them). The server holds each to the engine's current maximum.
   */
  limits?: SessionLimits | undefined;
  /**
   * When the server ends the session unless it is used again (its idle or absolute deadline, whichever comes
   * first), ms since epoch, as of its last report; absent when it has no limit.
   */
  expiresAt?: number | undefined;
  /** Bound to a key the browser keeps on the device (DBSC registration): the key's algorithm, and since when (ms). */
  bound?: BoundKey | undefined;
}

/** A session's device key (DBSC), as a device list shows it. */
export interface BoundKey {
  /** The signature algorithm of the key, e.g. `"ES256"`. */
  alg: string;
  /** When the browser registered the key, ms since epoch. */
  since: number;
}

const LIMIT_NAMES = ["lifetime", "idleTimeout", "absoluteTimeout"] as const;
/** Longest algorithm name a device list keeps (JOSE names are short: "ES256", "RS256"). */
const MAX_ALG_LENGTH = 16;

/** The traits of a sealed session: its lifetime and own limits from its metadata, its binding from its data. */
export function traitsOf({ meta, data }: Pick<Envelope, "meta" | "data">, expiresAt: number | undefined): DeviceTraits {
  const limits = ownLimits(meta.limits);
  const bound = boundKeyOf(data[BINDING_KEY]);
  return {
    lifetime: meta.lifetime,
    ...(limits ? { limits } : {}),
    ...(expiresAt !== undefined && Number.isFinite(expiresAt) ? { expiresAt } : {}),
    ...(bound ? { bound } : {}),
  };
}

/** Whether `value` is traits as {@link traitsOf} makes them (the objects check what they are sent). */
export function isTraits(value: unknown): value is DeviceTraits {
  if (!isObject(value) || !isSeconds(value.lifetime)) return false;
  const { limits, expiresAt, bound } = value;
  if (limits !== undefined && (!isObject(limits) || !LIMIT_NAMES.every((name) => limits[name] === undefined || isSeconds(limits[name])))) {
    return false;
  }
  return (expiresAt === undefined || isSeconds(expiresAt)) && (bound === undefined || isBoundKey(bound));
}

function isBoundKey(value: unknown): value is BoundKey {
  return isObject(value) && typeof value.alg === "string" && value.alg.length <= MAX_ALG_LENGTH && isSeconds(value.since);
}

/** The limits given, without empty members; undefined when none is. */
function ownLimits(limits: SessionLimits | undefined): SessionLimits | undefined {
  const own: { [K in keyof SessionLimits]: number } = {};
  for (const name of LIMIT_NAMES) {
    const value = limits?.[name];
    if (value !== undefined) own[name] = value;
  }
  return Object.keys(own).length ? own : undefined;
}

/**
 * The device key of a DBSC binding record (src/dbsc/record.ts: `{ alg, jwk, since }` once the browser
 * registered, only `k` while offered), or undefined.
 */
function boundKeyOf(binding: unknown): BoundKey | undefined {
  if (!isObject(binding) || binding.jwk === undefined || typeof binding.alg !== "string") return undefined;
  const bound = { alg: binding.alg, since: isSeconds(binding.since) ? binding.since : 0 };
  return isBoundKey(bound) ? bound : undefined;
}
