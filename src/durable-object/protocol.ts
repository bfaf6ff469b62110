/**
 * What the Durable Object and its callers exchange over RPC. Results are plain data (never thrown errors):
 * a class thrown inside the object would reach the caller as a plain Error, and "conflict" or "revoked" are
 * answers, not failures.
 */

import type { DeviceTraits } from "../stores/device-traits.js";

/**
 * What the stores and helpers take: the `SessionObject` namespace binding from wrangler.toml
 * (`env.SESSION_OBJECTS`). Declared structurally, with the one method they call, so the package root's types
 * need no Workers types: a `DurableObjectNamespace<SessionObject>` is one as it is.
 */
export interface SessionObjectNamespace {
  /** The stub of the object named `name`. */
  getByName(name: string): unknown;
}

/** Name prefixes: one object per stored session key, one per user (the index). */
export const SESSION_PREFIX = "s:";
export const USER_PREFIX = "u:";

/**
 * Default time limit of one object call, in ms (`DurableObjectStore`'s `timeoutMs`, and every call of the
 * per-user helpers): the engine's default `storeTimeout`.
 */
export const CALL_TIMEOUT_MS = 5000;

/** Whether `value` is a device limit as `linkSession` sends it. */
export function isLimit(value: unknown): value is DeviceLimit {
  if (typeof value !== "object" || value === null) return false;
  const { max, policy } = value as Partial<DeviceLimit>;
  return (
    typeof max === "number" && Number.isSafeInteger(max) && max >= 1 && max <= MAX_LIMIT && (policy === "end-oldest" || policy === "refuse")
  );
}

/** The most sessions `maxSessions` may allow per user. */
export const MAX_LIMIT = 1000;

/** Whether `value` is a time in ms since epoch that a `Date` can hold. */
export function isTime(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0 && value <= 8.64e15;
}

/**
 * The per-user index entry of one session, as `listSessions` returns it: its times, and its traits (see
 * {@link DeviceTraits}: `lifetime`, `limits`, `expiresAt`, `bound`) as last reported: by `linkSession` at
 * login (never bound yet then), then by each server-side write through `DurableObjectStore` and each
 * cookie-mode revocation check. Each trait is optional: absent when the session's link and index entry were
 * written by a version that did not record them (until its next write or check), and `bound` also when the
 * session is not bound or only `linkSession` reported (cookie mode without revocation checks, a KV, D1 or
 * Redis store).
 *
 * @example
 * ```ts
 * const [device] = await listSessions(env.SESSION_OBJECTS, "ada");
 * const remembered = device?.lifetime ? `remembered until ${new Date(device.expiresAt!).toUTCString()}` : "until the browser closes";
 * ```
 */
export interface DeviceSession extends Partial<DeviceTraits> {
  /** The session id (what `revokeSession` takes). */
  id: string;
  /** What the app recorded at login, e.g. a User-Agent summary. */
  device: string;
  /** ms since epoch. */
  created: number;
  /**
   * ms since epoch, as of the session's last server-side write, or in cookie mode with revocation checks its
   * last check (so within `recheckAfter` of its last request).
   */
  lastUsed: number;
}

export interface LinkRequest {
  userId: string;
  device: string;
  /** ms since epoch. */
  created: number;
  /** ms since epoch. */
  lastUsed: number;
  /** Seconds the link lives unless a later write, or a revocation check of its user's index, extends it. */
  ttl: number;
  /** The user index entry this link belongs to (see `IndexEntry.seq`): only that entry is removed with it. */
  seq: number;
  /** What the device list shows of the session besides its times (absent from callers of earlier versions). */
  traits?: DeviceTraits | undefined;
}

/** What linking found: refused (revoked), or linked; `previous` names the link it replaced for another user. */
export type LinkResult = { linked: false } | { linked: true; previous?: UserLink | undefined };

/** A session's link to a user, as named in that user's index. */
export interface UserLink {
  userId: string;
  seq: number;
}

/** What revoking found. `revoked` is false only when `ifUser` was given and the session is linked to another user. */
export interface RevokeResult {
  revoked: boolean;
  /** The user the session was linked to, if any, even if the link had lapsed (its index entry is what must go). */
  link: UserLink | undefined;
  /** The link had not lapsed: the session was in that user's device list. */
  live: boolean;
  /** The session had been revoked before this call (its tombstone was live): it was no longer valid. */
  already: boolean;
}

/** One entry of a user's index: removals name its `seq`, so a stale removal never drops a newer entry. */
export interface IndexKey {
  id: string;
  /** Numbers the entry: a new one with every (re-)indexing of the session. */
  seq: number;
}

/** One session in a user's index, as the user object reports it. */
export interface IndexedSession extends IndexKey {
  /**
   * Indexed by a `linkSession` that has not confirmed yet and may still link the session: never pruned as
   * dead (its session object may not know the link yet).
   */
  pending: boolean;
  /** Seconds the link was asked to live, from now (0 once passed): how long a revocation must at least last. */
  ttlLeft: number;
  /**
   * Taken out of the user's reach (revokeAllSessions, or evicted by a device limit) but not yet confirmed
   * ended by its object: still listed and counted as live until then, never again for cookie checks.
   */
  ending: boolean;
  /** Cookie mode with revocation checks: what the last check recorded (absent when none reached the entry). */
  used?: SessionUse | undefined;
}

/**
 * A cookie-mode revocation check's report of a session's use (ms since epoch): when, and until when a cookie
 * resealed before the next check is due can be accepted. The user's index keeps the session's entry (and
 * its link, device list included) alive that long, so a reseal between checks needs no call of its own.
 */
export interface SessionUse {
  lastUsed: number;
  until: number;
  /** The session's traits as the check saw them (absent from checks of earlier versions). */
  traits?: DeviceTraits | undefined;
}

/** A cap on a user's sessions (`linkSession`'s `maxSessions`), checked by the user object as it indexes one. */
export interface DeviceLimit {
  max: number;
  policy: "end-oldest" | "refuse";
}

/**
 * What indexing a session answers: its entry's seq, and the user's revocation generation at that moment;
 * with a limit, `refused` (nothing indexed) or the sessions ended to make room, the oldest first: `dropped`
 * (cookie sessions, ended by this very step) and `evicted` (marked ending, which the caller must revoke in
 * their objects and then remove).
 */
export interface Indexed {
  seq: number;
  generation: number;
  refused?: boolean | undefined;
  evicted?: IndexedSession[] | undefined;
  dropped?: string[] | undefined;
}

/**
 * What a user's revokeAllSessions step answers: the sessions it ended in that step (`dropped`: cookie sessions,
 * which learn it from the generation at their next check; `ended` counts those of them that were listed),
 * and those marked ending whose objects the caller must revoke (`revoke`: server-side sessions, and sessions
 * no cookie check has reached yet).
 */
export interface RevokeAllResult {
  ended: number;
  dropped: string[];
  revoke: IndexedSession[];
}

export interface CheckResult {
  revoked: boolean;
  /** Linked to a user, whose index then has the last word. */
  linked: boolean;
  /** The user it is linked to (when `linked`): that user's object has the last word. */
  userId?: string | undefined;
}

/**
 * What a user object answers about one of its sessions (cookie mode with revocation checks): `live` (indexed,
 * not being ended; with the user's current revocation generation, for the cookie to seal), `revoked` (ended
 * by a revokeAllSessions since the cookie's generation, or not indexed any more although its object names
 * this user), or `unknown` (not indexed, no revokeAllSessions since: the session's own object decides).
 */
export type UserCheck = { state: "live"; generation: number } | { state: "revoked" } | { state: "unknown" };
