import { SessionConfigError, SessionStoreError, SessionTooLargeError } from "../errors.js";
import type { SessionStore, StoreSetOptions } from "../store.js";
import type { SessionObject } from "./object.js";
import { SESSION_PREFIX, type CheckResult, type LockRequest, type Snapshot, type WriteRequest, type WriteResult } from "./protocol.js";

/** What the stores and helpers take: the `SessionObject` namespace binding from wrangler.toml. */
export type SessionObjectNamespace = DurableObjectNamespace<SessionObject>;

export interface DurableObjectStoreOptions {
  /**
   * Serialize the requests of one session with a lock that expires on its own (PHP-style session locking):
   * each request waits for the previous one to write back. `true` takes the defaults below.
   * Without it, overlapping requests run in parallel and their writes are merged key by key.
   */
  exclusive?: boolean | { /** Default 10 000: the lock frees itself after this (the holder crashed or hangs). */ leaseMs?: number; /** Default 5 000: longest wait before `SessionLockTimeoutError`. */ waitMs?: number };
  /**
   * Two overlapping requests changed the same key: `"merge"` (default) keeps the last committed value,
   * `"error"` throws `SessionConflictError` (409) in the request that committed second, which writes nothing.
   */
  onConflict?: "merge" | "error";
}

/** The object's methods as a caller sees them (plain data in, a promise of plain data out). */
export type ObjectApi = {
  [K in "read" | "write" | "release" | "revoke" | "check" | "touch" | "link" | "info" | "addSession" | "removeSessions" | "sessionIds"]: SessionObject[K] extends (
    ...args: infer A
  ) => infer R
    ? (...args: A) => Promise<Awaited<R>>
    : never;
};

/** A typed stub for the object named `name` (`s:<key>` or `u:<userId>`). */
export function objectNamed(namespace: SessionObjectNamespace, name: string): ObjectApi {
  // The runtime's stub type distributes unions of results over promises; callers only need plain data.
  return namespace.getByName(name) as unknown as ObjectApi;
}

/** Key and value must fit in 2 MB per Durable Object storage entry; sessions this large are a bug anyway. */
export const MAX_VALUE_LENGTH = 1024 * 1024;
const MAX_KEY_LENGTH = 512;

/**
 * A `SessionStore` over the `SessionObject` Durable Object namespace: one object per key (for sessions
 * the key is the session id), so every read and write of a session is strongly consistent and globally
 * ordered, with versioned compare-and-swap writes, an optional lock and alarm-driven expiry.
 *
 * ```ts
 * const store = new DurableObjectStore(env.SESSION_OBJECTS);
 * ```
 *
 * No `list`: objects cannot be enumerated. Per-user listings come from `listSessions`.
 */
export class DurableObjectStore implements SessionStore {
  readonly namespace: SessionObjectNamespace;
  /** Lease and wait of exclusive mode, or undefined when requests of a session run in parallel. */
  readonly exclusive: { leaseMs: number; waitMs: number } | undefined;
  readonly onConflict: "merge" | "error";

  constructor(namespace: SessionObjectNamespace, options: DurableObjectStoreOptions = {}) {
    if (!namespace || typeof (namespace as { getByName?: unknown }).getByName !== "function") {
      throw new SessionConfigError("DurableObjectStore needs the SessionObject namespace binding (env.SESSION_OBJECTS)");
    }
    this.namespace = namespace;
    this.exclusive = exclusiveOf(options.exclusive);
    const onConflict = options.onConflict ?? "merge";
    if (onConflict !== "merge" && onConflict !== "error") throw new SessionConfigError('onConflict must be "merge" or "error"');
    this.onConflict = onConflict;
  }

  async get(key: string): Promise<string | null> {
    const snapshot = await this.read(key);
    return snapshot.state === "live" ? snapshot.value : null;
  }

  /** Unconditional write. A key deleted (revoked) before cannot be written again: that throws. */
  async set(key: string, value: string, options: StoreSetOptions): Promise<void> {
    const result = await this.write(key, { value, ttl: options.ttl, metadata: options.metadata });
    if (!result.ok) throw new SessionStoreError("set", { cause: "revoked" });
  }

  /** Deletes the value and keeps a tombstone until it would have expired: no late write brings it back. */
  async delete(key: string): Promise<void> {
    await this.revoke(key, 0);
  }

  /** The stored value with its version, after taking the lock when `lock` is given. */
  read(key: string, lock?: LockRequest): Promise<Snapshot> {
    return this.#call("get", key, (stub) => stub.read(lock));
  }

  /** Versioned write: commits only if the stored version is still `expected`. */
  write(key: string, request: WriteRequest): Promise<WriteResult> {
    if (typeof request.value !== "string") throw new TypeError("value must be a string");
    if (request.value.length > MAX_VALUE_LENGTH) throw new SessionTooLargeError(request.value.length, MAX_VALUE_LENGTH);
    checkSeconds(request.ttl);
    if (request.keep !== undefined) checkSeconds(request.keep);
    return this.#call("set", key, (stub) => stub.write(request));
  }

  /** Releases a lock taken by `read(key, lock)`. */
  release(key: string, token: string): Promise<void> {
    return this.#call("set", key, (stub) => stub.release(token));
  }

  /**
   * Ends the session now; the tombstone lives at least `ttl` seconds (`unknownTtl` when the object holds
   * nothing about the session). Returns the linked user, if any.
   */
  revoke(key: string, ttl: number, unknownTtl = 0): Promise<{ userId: string | undefined }> {
    checkSeconds(ttl);
    checkSeconds(unknownTtl);
    return this.#call("delete", key, (stub) => stub.revoke(ttl, unknownTtl));
  }

  /** Cookie-mode revocation check (one round trip). */
  check(key: string): Promise<CheckResult> {
    return this.#call("get", key, (stub) => stub.check());
  }

  /** Moves a linked session's lastUsed and expiry (cookie mode, where no value is stored). */
  touch(key: string, lastUsed: number, ttl: number): Promise<void> {
    checkSeconds(ttl);
    return this.#call("set", key, (stub) => stub.touch(lastUsed, ttl));
  }

  async #call<T>(operation: SessionStoreError["operation"], key: string, call: (stub: ObjectApi) => Promise<T>): Promise<T> {
    if (typeof key !== "string" || key.length === 0 || key.length > MAX_KEY_LENGTH) {
      throw new TypeError(`store keys are non-empty strings of at most ${MAX_KEY_LENGTH} characters`);
    }
    try {
      return await call(objectNamed(this.namespace, SESSION_PREFIX + key));
    } catch (cause) {
      // The object threw, was reset or is unreachable. Its writes are single transactions: nothing partial.
      throw new SessionStoreError(operation, { cause });
    }
  }
}

function exclusiveOf(option: DurableObjectStoreOptions["exclusive"]): DurableObjectStore["exclusive"] {
  if (!option) return undefined;
  const { leaseMs = 10_000, waitMs = 5_000 } = option === true ? {} : option;
  for (const [name, value] of [["leaseMs", leaseMs], ["waitMs", waitMs]] as const) {
    if (!Number.isSafeInteger(value) || value < 1) throw new SessionConfigError(`exclusive.${name} must be a whole number of ms, at least 1`);
  }
  return { leaseMs, waitMs };
}

function checkSeconds(ttl: number): void {
  if (!Number.isSafeInteger(ttl) || ttl < 0) throw new TypeError("ttl must be a whole number of seconds, at least 0");
}
