import { base64url } from "jose";
import { SessionConfigError } from "./errors.js";

/** Session data: a JSON object. */
export type SessionData = Record<string, unknown>;

/**
 * A session's own time limits, set with `session.setLimits()` (e.g. "keep me signed in" at login) and sealed
 * with it. Each omitted one is the engine's. Whole seconds.
 *
 * @example
 * ```ts
 * const remembered: SessionLimits = { lifetime: 30 * 86400, idleTimeout: 7 * 86400 };
 * session.setLimits(remembered);
 * ```
 */
export interface SessionLimits {
  /** Cookie Max-Age; 0 = browser-session cookie. At most the engine's `maxLifetime`. */
  lifetime?: number | undefined;
  /** Seconds since last use after which the server refuses the session. At most the engine's `maxIdleTimeout`. */
  idleTimeout?: number | undefined;
  /** Seconds since creation after which the server refuses the session. At most the engine's `maxAbsoluteTimeout`. */
  absoluteTimeout?: number | undefined;
}

/** Metadata sealed with the data and enforced on the server. */
export interface SessionMeta {
  /**
   * 22 to 64 characters of the base64url alphabet (`A-Z a-z 0-9 - _`); {@link newSessionId} makes one of
   * 128 random bits. A sealed session with any other id does not open.
   */
  readonly id: string;
  /** When the session was created, ms since epoch (second precision). */
  readonly created: number;
  /** When the session was last used (rolled), ms since epoch (second precision). */
  readonly lastUsed: number;
  /** Cookie Max-Age in seconds; 0 = browser-session cookie. */
  readonly lifetime: number;
  /**
   * When the session was last confirmed not revoked, ms since epoch (second precision): cookie mode with
   * `revocation` asks the Durable Object again only once this is `recheckAfter` old. Absent: due now.
   */
  readonly checked?: number | undefined;
  /**
   * The user the session is linked to (`linkSession`) and that user's revocation generation when the session
   * was last confirmed: cookie mode with `revocation` then asks the user's object, where one write
   * (`revokeAllSessions`) ends every session of the user. Absent: not linked, or not known to be.
   */
  readonly owner?: { readonly userId: string; readonly generation: number } | undefined;
  /**
   * When the user last proved who they are (`session.authenticate()`), ms since epoch (second precision);
   * absent when never, or when sealed by a version without step-up (unknown).
   */
  readonly authenticatedAt?: number | undefined;
  /**
   * The session's own limits (`session.setLimits()`), each bounded by the engine's maximum when enforced;
   * absent: the engine's limits apply.
   */
  readonly limits?: Readonly<SessionLimits> | undefined;
  /**
   * The version of the data's shape (the engine's `version` option, with a `schema`) when it was sealed; absent:
   * sealed without one, read as version 1.
   */
  readonly version?: number | undefined;
}

/** Everything a sealed session holds. */
export interface Envelope<Data extends SessionData = SessionData> {
  data: Data;
  meta: SessionMeta;
  /** Flash values for the next request. */
  flash?: Record<string, unknown> | undefined;
}

/**
 * Wire format (the JWE plaintext), kept short because it rides in every request:
 * `{"i":id,"c":createdSeconds,"u":lastUsedSeconds,"l":lifetimeSeconds,"d":data,"f":flash?,"k":checkedSeconds?,"a":authenticatedSeconds?,"o":[userId,generation]?,"s":{"l"?,"i"?,"a"?}?,"v":dataVersion?}`.
 * Readers ignore members they do not know, so an envelope with `k`, `a`, `o`, `s` or `v` opens in a version without
 * them (and one without `a` means "not known to be authenticated"; one without `s` has the engine's limits,
 * which bound any session's own).
 */
interface Wire {
  i: string;
  c: number;
  u: number;
  l: number;
  d: SessionData;
  f?: Record<string, unknown>;
  k?: number;
  a?: number;
  o?: [string, number];
  /** The session's own limits: lifetime, idle and absolute seconds. */
  s?: { l?: number; i?: number; a?: number };
  /** The data's version (`version` option): a whole number, at least 1. */
  v?: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
const ID = /^[A-Za-z0-9_-]{22,64}$/;
/** Longest user id an owner reference carries (as `linkSession` accepts it). */
const MAX_USER_ID = 256;

/** A new random session id: 128 bits from `crypto.getRandomValues`, as 22 base64url characters. */
export function newSessionId(): string {
  return base64url.encode(crypto.getRandomValues(new Uint8Array(16)));
}

/** Whether a value is a session id as sealed sessions carry it: 22-64 characters of base64url. */
export function isSessionId(value: unknown): value is string {
  return typeof value === "string" && ID.test(value);
}

/**
 * Throws `SessionConfigError` for an envelope that would seal into something no reader opens: every field
 * is checked against what {@link envelopeOf} accepts. Messages name the field, never its value (data and
 * flash may hold anything).
 */
export function checkEnvelope(envelope: unknown): asserts envelope is Envelope {
  if (!isObject(envelope)) throw new SessionConfigError("envelope must be an object { data, meta, flash? }");
  const { data, meta, flash } = envelope;
  if (!isObject(meta)) throw new SessionConfigError("envelope.meta must be an object { id, created, lastUsed, lifetime }");
  if (!isSessionId(meta.id)) {
    throw new SessionConfigError("envelope.meta.id must be 22-64 characters of A-Z a-z 0-9 - _ (use newSessionId())");
  }
  for (const field of ["created", "lastUsed"] as const) {
    if (!isSeconds(meta[field])) {
      throw new SessionConfigError(`envelope.meta.${field} must be a whole, non-negative number of ms since epoch`);
    }
  }
  if ((meta.lastUsed as number) < (meta.created as number)) {
    throw new SessionConfigError("envelope.meta.lastUsed must not be before envelope.meta.created");
  }
  if (!isSeconds(meta.lifetime)) throw new SessionConfigError("envelope.meta.lifetime must be a whole, non-negative number of seconds");
  if (meta.checked !== undefined && !isSeconds(meta.checked)) {
    throw new SessionConfigError("envelope.meta.checked must be a whole, non-negative number of ms since epoch when given");
  }
  if (meta.owner !== undefined && !isOwner(meta.owner)) {
    throw new SessionConfigError(
      `envelope.meta.owner must be { userId: a string of 1 to ${MAX_USER_ID} characters, generation: a whole number >= 0 } when given`,
    );
  }
  if (meta.authenticatedAt !== undefined && !isSeconds(meta.authenticatedAt)) {
    throw new SessionConfigError("envelope.meta.authenticatedAt must be a whole, non-negative number of ms since epoch when given");
  }
  if (meta.limits !== undefined && (!isObject(meta.limits) || !ownLimitsOf(limitsWire(meta.limits as SessionLimits)))) {
    throw new SessionConfigError("envelope.meta.limits must be { lifetime?, idleTimeout?, absoluteTimeout? } in whole seconds when given");
  }
  if (meta.version !== undefined && !isVersion(meta.version)) {
    throw new SessionConfigError("envelope.meta.version must be a whole number, at least 1, when given");
  }
  if (!isObject(data)) throw new SessionConfigError("envelope.data must be an object (not an array or null)");
  if (flash !== undefined && !isObject(flash)) throw new SessionConfigError("envelope.flash must be an object when given");
}

/** The envelope as bytes to seal. */
export function encodeEnvelope(envelope: Envelope): Uint8Array {
  return encoder.encode(envelopeJson(envelope));
}

/** The envelope as JSON text, for stores that take strings (no detour through bytes). */
export function envelopeJson(envelope: Envelope): string {
  const { data, meta, flash } = envelope;
  const wire: Wire = {
    i: meta.id,
    c: Math.floor(meta.created / 1000),
    u: Math.floor(meta.lastUsed / 1000),
    l: meta.lifetime,
    d: data,
  };
  if (flash && hasKeys(flash)) wire.f = flash;
  if (meta.checked !== undefined) wire.k = Math.floor(meta.checked / 1000);
  if (meta.authenticatedAt !== undefined) wire.a = Math.floor(meta.authenticatedAt / 1000);
  if (meta.owner !== undefined) wire.o = [meta.owner.userId, meta.owner.generation];
  if (meta.limits !== undefined) wire.s = limitsWire(meta.limits);
  if (meta.version !== undefined) wire.v = meta.version;
  return JSON.stringify(wire);
}

/** Decrypted bytes parsed as JSON, or undefined when they are not UTF-8 JSON. Parse once, then ask what it is. */
export function parsePlaintext(plaintext: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(plaintext));
  } catch {
    return undefined;
  }
}

/** Parses and shape-checks a decrypted envelope; undefined when it is not one. */
export function decodeEnvelope(plaintext: Uint8Array): Envelope | undefined {
  return envelopeOf(parsePlaintext(plaintext));
}

/** Parses and shape-checks an envelope stored as JSON text; undefined when it is not one. */
export function parseEnvelope(json: string): Envelope | undefined {
  try {
    return envelopeOf(JSON.parse(json));
  } catch {
    return undefined;
  }
}

/** Shape-checks parsed JSON as an envelope; undefined when it is not one. */
export function envelopeOf(wire: unknown): Envelope | undefined {
  if (!isObject(wire)) return undefined;
  const { i, c, u, l, d, f, k, a, o, s, v } = wire as Partial<Wire>;
  if (!isSessionId(i)) return undefined;
  if (!isSeconds(c) || !isSeconds(u) || !isSeconds(l) || !isObject(d)) return undefined;
  if (f !== undefined && !isObject(f)) return undefined;
  if (a !== undefined && !isSeconds(a)) return undefined;
  // Built member by member in a fixed order, without spreads: this runs on every request that reads a session.
  const meta: Mutable<SessionMeta> = { id: i, created: c * 1000, lastUsed: u * 1000, lifetime: l };
  if (a !== undefined) meta.authenticatedAt = a * 1000;
  // A malformed owner only costs a check of the session's own object, as a cookie without one.
  const owner = ownerOf(o);
  if (owner) meta.owner = owner;
  // Malformed own limits are ignored: the engine's, which bound any session's own, apply.
  const limits = s === undefined ? undefined : ownLimitsOf(s);
  if (limits) meta.limits = limits;
  // A malformed `k` only costs a revocation check: the session is due for one, as a cookie without it.
  if (isSeconds(k)) meta.checked = k * 1000;
  // A malformed version is kept as it is: the schema's check refuses it (never read as "version 1").
  if (v !== undefined) meta.version = v;
  return { data: d, meta, flash: f };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function isOwner(value: unknown): value is NonNullable<SessionMeta["owner"]> {
  if (!isObject(value)) return false;
  const { userId, generation } = value;
  return typeof userId === "string" && userId.length > 0 && userId.length <= MAX_USER_ID && isSeconds(generation);
}

/** The sealed owner reference as meta holds it; undefined when absent or malformed. */
function ownerOf(o: unknown): SessionMeta["owner"] {
  if (!Array.isArray(o) || o.length !== 2) return undefined;
  const owner = { userId: o[0] as unknown, generation: o[1] as unknown };
  return isOwner(owner) ? owner : undefined;
}

function limitsWire(limits: Readonly<SessionLimits>): NonNullable<Wire["s"]> {
  const wire: NonNullable<Wire["s"]> = {};
  if (limits.lifetime !== undefined) wire.l = limits.lifetime;
  if (limits.idleTimeout !== undefined) wire.i = limits.idleTimeout;
  if (limits.absoluteTimeout !== undefined) wire.a = limits.absoluteTimeout;
  return wire;
}

/** Sealed own limits as meta holds them; undefined when malformed (a member not whole seconds, or unknown). */
function ownLimitsOf(s: unknown): SessionLimits | undefined {
  if (!isObject(s)) return undefined;
  // Member by member, no table: this runs on every request of a session with its own limits.
  const { l, i, a } = s;
  const limits: { -readonly [K in keyof SessionLimits]: number } = {};
  if (l !== undefined) {
    if (!isSeconds(l)) return undefined;
    limits.lifetime = l;
  }
  if (i !== undefined) {
    if (!isSeconds(i) || i < 1) return undefined;
    limits.idleTimeout = i;
  }
  if (a !== undefined) {
    if (!isSeconds(a) || a < 1) return undefined;
    limits.absoluteTimeout = a;
  }
  return limits;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Sets `key` as an own, plain data property: a key named "__proto__" stays data, never a prototype. Targets
 * are plain objects (parsed JSON or `{}`), whose only inherited accessor is `__proto__`: every other key is
 * assigned, several times cheaper than a definition with its descriptor object, on every `set()`.
 */
export function defineKey(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

export function hasKeys(value: object): boolean {
  for (const _ in value) return true;
  return false;
}

/** A data version: a whole number, at least 1. */
export function isVersion(value: unknown): value is number {
  return isSeconds(value) && value >= 1;
}

/** A whole, non-negative number (in safe-integer range): sealed seconds, and the ms they are made from. */
export function isSeconds(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}
