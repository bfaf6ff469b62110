import { SessionConfigError, SessionStoreError } from "../core/errors.js";
import { checkKeys, type KnownKeys } from "../core/known-keys.js";
import { inTime } from "../stores/guarded-store.js";
import { storeCall, type SessionStore, type StoreSetOptions } from "../stores/store.js";
import { readMetadata } from "../stores/stored-session.js";
import { checkTtl, methodOptions, storedKeyName } from "../stores/store-checks.js";
import { versionedOptions, writeRequest } from "../stores/versioned-checks.js";
import {
  CALL_TIMEOUT_MS,
  SESSION_PREFIX,
  USER_PREFIX,
  type CheckResult,
  type RevokeResult,
  type SessionObjectNamespace,
  type UserLink,
} from "./protocol.js";
import {
  isLockRequest,
  MAX_LEASE_MS,
  MAX_WAIT_MS,
  type LockRequest,
  type Snapshot,
  type VersionedSessions,
  type WriteRequest,
  type WriteResult,
} from "../stores/versioned.js";
import { forget } from "./revocation-cache.js";
import { objectNamed, type ObjectApi } from "./stub.js";

export type { SessionObjectNamespace };

export interface DurableObjectStoreOptions {
  /**
   * Serialize the requests of one session with a lock that expires on its own (PHP-style session locking):
   * each request waits for the previous one to write back. `true` takes the defaults below.
   * Without it, overlapping requests run in parallel and their writes are merged key by key.
   */
  exclusive?:
    | boolean
    | {
        /** Default 10 000, at most 300 000 (5 minutes): the lock frees itself after this (the holder crashed or hangs). */
        leaseMs?: number | undefined;
        /** Default 5 000, at most 60 000 (1 minute): longest wait before `SessionLockTimeoutError`. */
        waitMs?: number | undefined;
      }
    | undefined;
  /**
   * Two overlapping requests changed the same key: `"merge"` (default) keeps the last committed value,
   * `"error"` throws `SessionConflictError` (409) in the request that committed second, which writes nothing.
   */
  onConflict?: "merge" | "error" | undefined;
  /**
   * Milliseconds a call to an object may take before it fails with `SessionStoreError` (cause `StoreTimeout`):
   * an object that hangs must not hang the request with it. A read that waits for the lock gets `waitMs` more.
   * Default 5000 (as the engine's `storeTimeout`); 0: no limit.
   */
  timeoutMs?: number | undefined;
}

const STORE_OPTIONS: KnownKeys<DurableObjectStoreOptions> = { exclusive: true, onConflict: true, timeoutMs: true };
const EXCLUSIVE_OPTIONS: KnownKeys<Exclude<DurableObjectStoreOptions["exclusive"], boolean | undefined>> = { leaseMs: true, waitMs: true };

/** Key and value must fit in 2 MB per Durable Object storage entry; sessions this large are a bug anyway. */
export const MAX_VALUE_LENGTH = 1024 * 1024;
const MAX_KEY_LENGTH = 512;
const LIMITS = { valueBytes: MAX_VALUE_LENGTH, what: "Durable Object store" };

/**
 * A `SessionStore` over the `SessionObject` Durable Object namespace: one object per key (for sessions
 * the key is the session id), so every read and write of a session is strongly consistent and globally
 * ordered, with versioned compare-and-swap writes, an optional lock and alarm-driven expiry.
 *
 * ```ts
 * const store = new DurableObjectStore(env.SESSION_OBJECTS);
 * ```
 *
 * As `store:` its `versioned` property selects the versioned server-side mode. A wrapper (logging,
 * metrics) keeps those guarantees by forwarding it (`versioned: inner.versioned`; a Proxy or a subclass
 * does so already); a wrapper that does not is served through the plain `get`/`set`, which refuse to run
 * when `exclusive` or `onConflict: "error"` was asked for, since they cannot honour either.
 *
 * No `list`: objects cannot be enumerated. Per-user listings come from `listSessions`.
 */
export class DurableObjectStore implements SessionStore, VersionedSessions {
  readonly namespace: SessionObjectNamespace;
  /** Lease and wait of exclusive mode, or undefined when requests of a session run in parallel. */
  readonly exclusive: { leaseMs: number; waitMs: number } | undefined;
  readonly onConflict: "merge" | "error";
  /** Milliseconds a call may take (0: no limit); see {@link DurableObjectStoreOptions.timeoutMs}. */
  readonly timeoutMs: number;
  /** The versioned capability (this store itself): what a wrapper forwards to keep every guarantee. */
  readonly versioned: VersionedSessions;
  /** The value limit the object takes (1 MiB). */
  readonly maxValueBytes = MAX_VALUE_LENGTH;

  constructor(namespace: SessionObjectNamespace, options: DurableObjectStoreOptions = {}) {
    checkNamespace(namespace, "DurableObjectStore");
    this.namespace = namespace;
    if (typeof options !== "object" || options === null) throw new SessionConfigError("DurableObjectStore options must be an object");
    checkKeys(options, STORE_OPTIONS, "DurableObjectStore options");
    this.exclusive = exclusiveOf(options.exclusive);
    this.onConflict = versionedOptions(options).onConflict;
    const timeoutMs = options.timeoutMs ?? CALL_TIMEOUT_MS;
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 0)
      throw new SessionConfigError("timeoutMs must be a whole number of ms, at least 0");
    this.timeoutMs = timeoutMs;
    this.versioned = this;
  }

  /** Plain read (no lock, no version). Refused when the store was configured for exclusive or onConflict "error". */
  async get(key: string): Promise<string | null> {
    this.#plain("get");
    const snapshot = await this.read(key);
    return snapshot.state === "live" ? snapshot.value : null;
  }

  /**
   * Unconditional write. A key deleted (revoked) before cannot be written again: that throws. Metadata in
   * the form the server-side mode writes (`StoredMetadata`) moves the device list, which ends `grace`
   * seconds before the value. Refused when the store was configured for exclusive or onConflict "error".
   */
  async set(key: string, value: string, options: StoreSetOptions): Promise<void> {
    this.#plain("set");
    const { ttl, grace = 0, metadata } = methodOptions(options, "DurableObjectStore.set");
    checkTtl(ttl, "ttl");
    checkTtl(grace, "grace");
    if (grace > ttl) throw new SessionConfigError("grace is the end of ttl: at most ttl");
    const result = await this.write(key, { value, ttl: ttl - grace, keep: grace, metadata: readMetadata(metadata) });
    if (!result.ok) throw new SessionStoreError("set", { cause: "revoked" });
  }

  /** Ends the key for good, as {@link DurableObjectStore.end} with no ttl. */
  async delete(key: string): Promise<void> {
    await this.end(key);
  }

  /** The stored value with its version, after taking the lock when `lock` is given. */
  async read(key: string, lock?: LockRequest): Promise<Snapshot> {
    if (lock !== undefined && !isLockRequest(lock)) {
      throw new SessionConfigError(`a lock needs a token, leaseMs from 1 to ${MAX_LEASE_MS} and waitMs from 0 to ${MAX_WAIT_MS}`);
    }
    return this.#call("get", key, (stub) => stub.read(lock), lock && this.timeoutMs ? lock.waitMs : 0);
  }

  /** Versioned write: commits only if the stored version is still `expected`. */
  async write(key: string, request: WriteRequest): Promise<WriteResult> {
    const { replaces, ...write } = writeRequest(request, LIMITS);
    const result = await this.#call("set", key, (stub) => stub.write(write));
    if (replaces === undefined) return result;
    // 128 random bits are never taken; were one, this is no conflict to rebase.
    if (!result.ok) throw new SessionStoreError("set", { cause: "the new key was taken" });
    // The new key is known to no one until the caller sends its cookie, so it is written first (the old
    // session is never ended before its successor exists); then the old session's object checks that it is
    // live and ends it in one step: nothing can end it between that check and the cookie.
    const handed = await this.#call("delete", replaces, (stub) => stub.handOver());
    if (!handed.live) {
      await this.end(key).catch(() => undefined); // best effort: unreachable anyway, and it expires
      return { ok: false, state: "revoked" };
    }
    await this.unindex(replaces, handed.link);
    return result;
  }

  /** Releases a lock taken by `read(key, lock)`, or withdraws that read's wait for it (the read timed out). */
  async release(key: string, token: string): Promise<void> {
    if (typeof token !== "string") throw new SessionConfigError("a lock token is a string");
    return this.#call("set", key, (stub) => stub.release(token));
  }

  /**
   * Ends the session now; the tombstone lives at least `ttl` seconds, and as long as the session's record
   * or user link could still be valid. With `ifUser`, a session linked to another user is left alone.
   * Does not touch the user's index at once ({@link DurableObjectStore.end} does); the object's alarm
   * removes the session from it a few seconds later.
   */
  async revoke(key: string, ttl: number, ifUser?: string): Promise<RevokeResult> {
    checkTtl(ttl, "ttl");
    if (ifUser !== undefined && typeof ifUser !== "string") throw new SessionConfigError("ifUser must be a user id");
    return this.#call("delete", key, (stub) => stub.revoke(ttl, ifUser));
  }

  /**
   * Ends the session stored (or linked) under `key` for good: revoked as {@link DurableObjectStore.revoke},
   * then dropped from its user's device list.
   */
  async end(key: string, ttl = 0): Promise<void> {
    const { link } = await this.revoke(key, ttl);
    await this.unindex(key, link);
  }

  /**
   * @internal An ended session leaves its user's device list at once (its object's alarm would, a few seconds
   * later); `link` is what revoking it answered.
   */
  async unindex(key: string, link: UserLink | undefined): Promise<void> {
    forget(key);
    if (link)
      await this.#call("delete", key, () =>
        objectNamed(this.namespace, USER_PREFIX + link.userId).removeSessions([{ id: key, seq: link.seq }]),
      );
  }

  /** Cookie-mode revocation check of the session's own object (one round trip). */
  async check(key: string): Promise<CheckResult> {
    return this.#call("get", key, (stub) => stub.check());
  }

  /** Plain get/set serve a wrapper that hid `versioned`: refused when that lost a setting the app asked for. */
  #plain(operation: "get" | "set"): void {
    if (!this.exclusive && this.onConflict === "merge") return;
    throw new SessionConfigError(
      `DurableObjectStore.${operation}() cannot honour exclusive or onConflict: "error" (it takes no lock and checks no version): ` +
        "pass the store itself as `store`, or forward its `versioned` property from a wrapper",
    );
  }

  /**
   * @internal A call to any object of the namespace, in time (`extraMs` on top of `timeoutMs`), failing as
   * `SessionStoreError`: what the revocation checks use for the user objects too.
   */
  inTime<T>(operation: SessionStoreError["operation"], call: () => Promise<T>, extraMs = 0): Promise<T> {
    // The object threw, was reset, hangs or is unreachable: a SessionStoreError. Its writes are single
    // transactions: nothing partial (a call that timed out may still commit: as a write that failed after landing).
    return storeCall(operation, () => inTime(call(), this.timeoutMs && this.timeoutMs + extraMs));
  }

  async #call<T>(operation: SessionStoreError["operation"], key: string, call: (stub: ObjectApi) => Promise<T>, extraMs = 0): Promise<T> {
    const name = storedKeyName(SESSION_PREFIX, key, MAX_KEY_LENGTH + SESSION_PREFIX.length, "Durable Object store key");
    return this.inTime(operation, () => call(objectNamed(this.namespace, name)), extraMs);
  }
}

/** Throws a SessionConfigError unless `namespace` looks like the SessionObject namespace binding. */
export function checkNamespace(namespace: unknown, who: string): asserts namespace is SessionObjectNamespace {
  if (typeof namespace !== "object" || namespace === null || typeof (namespace as { getByName?: unknown }).getByName !== "function") {
    throw new SessionConfigError(`${who} needs the SessionObject namespace binding (env.SESSION_OBJECTS)`);
  }
}

function exclusiveOf(option: DurableObjectStoreOptions["exclusive"]): DurableObjectStore["exclusive"] {
  if (!option) return undefined;
  if (option !== true && typeof option !== "object") throw new SessionConfigError("exclusive must be true or { leaseMs, waitMs }");
  checkKeys(option, EXCLUSIVE_OPTIONS, "DurableObjectStore exclusive");
  const { leaseMs = 10_000, waitMs = 5_000 } = option === true ? {} : option;
  for (const [name, value, max] of [
    ["leaseMs", leaseMs, MAX_LEASE_MS],
    ["waitMs", waitMs, MAX_WAIT_MS],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1 || value > max)
      throw new SessionConfigError(`exclusive.${name} must be a whole number of ms from 1 to ${max}`);
  }
  return { leaseMs, waitMs };
}
