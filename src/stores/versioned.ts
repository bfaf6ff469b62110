/**
 * The versioned-store protocol: what the versioned server-side mode needs from a store (`store.versioned`,
 * {@link VersionedSessions}) and the limits every such store enforces. The Durable Object, D1 and Redis stores
 * implement it; a new store that offers versioned writes implements it here, whatever it runs on.
 */

import type { DeviceTraits } from "./device-traits.js";

/**
 * Longest time, in seconds, anything is kept for (a stored value, its grace, a user link, a tombstone): ten
 * years. Larger values are refused before anything is written (Durable Object alarms end in the year 2189,
 * and a session meant to outlive this has no limit worth the name).
 */
export const MAX_TTL = 10 * 365 * 24 * 3600;
/** Longest lock lease (exclusive mode): a crashed holder blocks its session at most this long. */
export const MAX_LEASE_MS = 5 * 60_000;
/** Longest wait for the lock (exclusive mode): a request waits at most this long before LOCK_TIMEOUT. */
export const MAX_WAIT_MS = 60_000;

/** Whether `value` is a whole number of seconds from `min` to {@link MAX_TTL}. */
export function isTtl(value: unknown, min = 0): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= min && value <= MAX_TTL;
}

/** Whether `lock` asks for a lease and a wait within bounds ({@link MAX_LEASE_MS}, {@link MAX_WAIT_MS}). */
export function isLockRequest(lock: unknown): lock is LockRequest {
  if (typeof lock !== "object" || lock === null) return false;
  const { token, leaseMs, waitMs } = lock as Partial<Record<keyof LockRequest, unknown>>;
  return (
    typeof token === "string" &&
    token.length > 0 &&
    token.length <= 64 &&
    Number.isSafeInteger(leaseMs) &&
    (leaseMs as number) >= 1 &&
    (leaseMs as number) <= MAX_LEASE_MS &&
    Number.isSafeInteger(waitMs) &&
    (waitMs as number) >= 0 &&
    (waitMs as number) <= MAX_WAIT_MS
  );
}

/** A stored value and the version it was written as (1 for the first write, +1 per write). */
export interface Versioned {
  value: string;
  version: number;
}

/** What reading a session key found. */
export type Snapshot =
  | ({ state: "live" } & Versioned)
  /** Never written, deleted by expiry, or expired. */
  | { state: "missing" }
  /** Deleted or revoked: final until the session could no longer have been valid. */
  | { state: "revoked" }
  /** Exclusive mode: the lock was not granted within the wait. */
  | { state: "lock-timeout" };

export interface LockRequest {
  /** Random, per request: only its holder releases the lock. */
  token: string;
  /** The lock expires on its own after this many ms (the holder crashed or hangs). */
  leaseMs: number;
  /** How long to wait for the lock before giving up. */
  waitMs: number;
}

export interface WriteRequest {
  value: string;
  /** Seconds the value must live (the session's remaining lifetime). */
  ttl: number;
  /**
   * Seconds the record is kept past `ttl`, so a visitor who returns after the deadline is told why the
   * session ended (`expired: "idle"`, from the sealed metadata) rather than `invalid: "missing"`. The user
   * index entry still ends at `ttl`. Default 0.
   */
  keep?: number | undefined;
  /** The version this write is based on: 0 = the key must not exist; absent = unconditional. */
  expected?: number | undefined;
  /**
   * The session's metadata, `StoredMetadata` (stored-session.ts): in seconds since epoch as everywhere it is
   * stored. Its `lastUsed` moves the session's entry in the device list (which the object keeps in ms).
   */
  metadata?: { created: number; lastUsed: number; expires: number } | undefined;
  /** What the device list shows of the session besides its times (`DurableObjectStore` keeps it in the link). */
  traits?: DeviceTraits | undefined;
  /** Release this lock token in the same transaction. */
  release?: string | undefined;
  /**
   * The key of the session this write replaces (`regenerate()`, or `destroy()` then new data, of a session
   * the request read): the write commits only if that key still holds a live session, which it ends in the
   * same step; otherwise nothing is written and the answer is `"revoked"` (ended meanwhile: logged out,
   * revoked, expired, or already replaced by an overlapping request). Write with `expected: 0`.
   */
  replaces?: string | undefined;
}

export type WriteResult =
  | { ok: true; version: number }
  /** Another write committed first: here is what it wrote (null when the key is gone), to rebase onto. */
  | { ok: false; state: "conflict"; current: Versioned | null }
  | { ok: false; state: "revoked" };

/**
 * The interface the versioned server-side mode needs from a store: reads with an optional lock,
 * compare-and-swap writes, lock release, and ending a session for good. A `SessionStore` offers it as
 * `store.versioned`; `DurableObjectStore` does (a wrapper keeps every guarantee by forwarding the property).
 */
export interface VersionedSessions {
  /** Lease and wait of exclusive mode (a lock per session), or undefined when requests run in parallel. */
  readonly exclusive: { leaseMs: number; waitMs: number } | undefined;
  /** What a write that lost a race does when both requests changed the same key. */
  readonly onConflict: "merge" | "error";
  /** The stored value with its version, after taking the lock when `lock` is given. */
  read(key: string, lock?: LockRequest): Promise<Snapshot>;
  /** Versioned write: commits only if the stored version is still `request.expected`. */
  write(key: string, request: WriteRequest): Promise<WriteResult>;
  /** Releases a lock taken by `read(key, lock)`. */
  release(key: string, token: string): Promise<void>;
  /** Ends the session stored under `key` for good: no write brings it back, and it leaves its user's list. */
  end(key: string): Promise<void>;
  /** Longest value (UTF-8 bytes) `write` takes, for the `size` event; default the Durable Object's 1 MiB. */
  readonly maxValueBytes?: number | undefined;
}
