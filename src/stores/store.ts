import type { VersionedSessions } from "./versioned.js";
import { SessionError, SessionStoreError } from "../core/errors.js";

/** One key of a store listing, with the non-secret metadata written beside it. */
export interface StoreKey {
  name: string;
  /** Seconds since epoch when the store will drop the key, if known. */
  expiration?: number | undefined;
  metadata?: Record<string, unknown> | undefined;
}

export interface StoreSetOptions {
  /** Seconds the value must live; stores with a minimum (KV: 60) round up. */
  ttl: number;
  /**
   * Of `ttl`, the last seconds a session's value is kept only to tell a visitor who returns after its end
   * why it ended (`expired: "idle"`): the session modes write `EXPIRED_GRACE` here. A store that lists live
   * sessions may end the listing before them (the `DurableObjectStore`'s device list does); others may
   * ignore it. Default 0.
   */
  grace?: number | undefined;
  /** Non-secret metadata (e.g. created, lastUsed, expires) kept beside the value for listings. */
  metadata?: Record<string, unknown> | undefined;
}

export interface StoreListOptions {
  prefix?: string | undefined;
  cursor?: string | undefined;
  limit?: number | undefined;
}

/**
 * Where sessions are held server-side (KV, a Durable Object, D1, Redis...). Values are opaque strings: the
 * store never needs to understand sessions, and through `sealedStore` it only ever sees ciphertext.
 */
export interface SessionStore {
  /**
   * Where this store keeps its keys inside a backend it may share with other stores (`KVStore`'s `prefix`).
   * `sealedStore` binds it into every value together with the key, so a value copied from one store to
   * another over the same keyring does not open there. A store that namespaces its keys itself (e.g. adds
   * `"session:"`) should say so here.
   */
  readonly prefix?: string | undefined;
  /**
   * The value under `key`, or `null` when there is none (`undefined` is read as a miss too). Any other
   * answer breaks the contract and fails the read with `SessionStoreError`.
   */
  get(key: string): Promise<string | null>;
  set(key: string, value: string, options: StoreSetOptions): Promise<void>;
  delete(key: string): Promise<void>;
  /**
   * One page of keys, in key order. Every page but the last has a `cursor` that starts the next one; the
   * last page has no cursor, or an empty one. A cursor must never repeat: the admin helpers stop with a
   * `SessionStoreError` when one does, rather than list forever.
   */
  list?(options: StoreListOptions): Promise<{ keys: StoreKey[]; cursor?: string | undefined }>;
  /**
   * Capability: versioned sessions (compare-and-swap writes, optional lock, revocation). As `store:`, a store
   * that offers it gets the versioned server-side mode, whose reads and writes go through it rather than
   * `get`/`set`. `DurableObjectStore` offers it; a wrapper around one keeps it by forwarding the property.
   */
  readonly versioned?: VersionedSessions | undefined;
  /**
   * Longest value (UTF-8 bytes) the store takes, if it has a limit: what the `size` event (`sizeWarning`)
   * measures sessions in this store against. KVStore 25 MiB, D1Store 1 MiB, RedisStore 900 KiB,
   * DurableObjectStore 1 MiB; a store without it sends no `size` event for the sessions it holds.
   */
  readonly maxValueBytes?: number | undefined;
}

/**
 * Runs one store call so that it fails only with a `SessionError`: one of the store's own (e.g.
 * `SessionTooLargeError` from a limit check) passes unchanged, anything else (a backend that threw, an
 * object that was reset) becomes a `SessionStoreError` naming the operation, with the error as its cause.
 */
export async function storeCall<T>(operation: SessionStoreError["operation"], call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (cause) {
    if (cause instanceof SessionError) throw cause;
    throw new SessionStoreError(operation, { cause });
  }
}

/**
 * The error for a store whose answer breaks the `SessionStore` contract: a `SessionStoreError` whose cause
 * (a `TypeError`) says what was expected and names the type it got, never the value itself.
 */
export function brokenContract(operation: "get" | "list", expected: string, got: unknown): SessionStoreError {
  return new SessionStoreError(operation, {
    cause: new TypeError(`SessionStore.${operation} must return ${expected}; got ${typeName(got)}`),
  });
}

/** `typeof`, with arrays, binary data and `null` told apart (never the value: it may be session data). */
function typeName(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  if (Array.isArray(value)) return "array";
  if (value instanceof ArrayBuffer) return "ArrayBuffer";
  return ArrayBuffer.isView(value) ? "typed array" : "object";
}
