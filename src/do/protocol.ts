/**
 * What the Durable Object and its callers exchange over RPC. Results are plain data (never thrown errors):
 * a class thrown inside the object would reach the caller as a plain Error, and "conflict" or "revoked" are
 * answers, not failures.
 */

/** Name prefixes: one object per stored session key, one per user (the index). */
export const SESSION_PREFIX = "s:";
export const USER_PREFIX = "u:";

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
  /** Non-secret metadata kept beside the value (lastUsed moves the per-user index entry). */
  metadata?: Record<string, unknown> | undefined;
  /** Release this lock token in the same transaction. */
  release?: string | undefined;
}

export type WriteResult =
  | { ok: true; version: number }
  /** Another write committed first: here is what it wrote (null when the key is gone), to rebase onto. */
  | { ok: false; state: "conflict"; current: Versioned | null }
  | { ok: false; state: "revoked" };

/** The per-user index entry of one session, as `listSessions` returns it. */
export interface DeviceSession {
  /** The session id (what `revokeSession` takes). */
  id: string;
  /** What the app recorded at login, e.g. a User-Agent summary. */
  device: string;
  /** ms since epoch. */
  created: number;
  /** ms since epoch, as of the session's last write or touch. */
  lastUsed: number;
}

export interface LinkRequest {
  userId: string;
  device: string;
  created: number;
  lastUsed: number;
  /** Seconds the link lives unless a later write or touch extends it. */
  ttl: number;
}

export interface CheckResult {
  revoked: boolean;
  /** Linked to a user: cookie-mode writes should touch the object so the device list stays current. */
  linked: boolean;
}
