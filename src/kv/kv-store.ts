import { SessionConfigError } from "../core/errors.js";
import { checkKeys, type KnownKeys } from "../core/known-keys.js";
import type { SessionStore, StoreKey, StoreListOptions, StoreSetOptions } from "../stores/store.js";
import { listOptions, metadataJson, setOptions, storedKeyName, storedValue, storePrefix } from "../stores/store-checks.js";

/** Limits of Workers KV (https://developers.cloudflare.com/kv/platform/limits/). */
export const KV_LIMITS = {
  /** Bytes of a key name. */
  keyBytes: 512,
  /** Bytes of a value. */
  valueBytes: 25 * 1024 * 1024,
  /** Bytes of the JSON-serialized per-key metadata. */
  metadataBytes: 1024,
  /** Shortest `expirationTtl` KV accepts, in seconds. */
  minTtl: 60,
  /** Most keys one `list` call returns. */
  listLimit: 1000,
} as const;

/**
 * A Workers KV namespace binding, as far as `KVStore` uses it: declared here, so the package's types need no
 * Workers types (a Node project type-checks them as they are) and a binding typed by
 * `@cloudflare/workers-types` (`KVNamespace`) or a test double is accepted as it is.
 */
export interface KVNamespaceLike {
  get(key: string, type: "text"): Promise<string | null>;
  /** Never called: its presence tells a binding from a `SessionStore` (see {@link isKVNamespace}). */
  getWithMetadata(key: string): Promise<unknown>;
  put(key: string, value: string, options: { expirationTtl: number; metadata?: Record<string, unknown> | undefined }): Promise<void>;
  delete(key: string): Promise<void>;
  list<Metadata = unknown>(options: { prefix: string; cursor: string | null; limit: number }): Promise<KVListPage<Metadata>>;
}

/** One page of `KVNamespaceLike.list`. */
export interface KVListPage<Metadata = unknown> {
  keys: { name: string; expiration?: number | undefined; metadata?: Metadata | undefined }[];
  /** True on the last page. */
  list_complete: boolean;
  /** Where the next page starts, when `list_complete` is false. */
  cursor?: string | undefined;
}

export interface KVStoreOptions {
  /**
   * Put before every key, so sessions can share a namespace with other data. Default `""`. It also names
   * the store for `sealedStore` (and so for the `overflow`/`store` options): a sealed value copied from one
   * prefix to another does not open there. Changing it ends the sessions stored under the old one.
   */
  prefix?: string | undefined;
}

const KV_STORE_OPTIONS: KnownKeys<KVStoreOptions> = { prefix: true };

/**
 * A `SessionStore` over a Workers KV namespace binding. Entries expire through KV's own TTL
 * (`expirationTtl`, never below KV's 60 s minimum); the non-secret metadata given to `set` goes into KV's
 * per-key metadata, so listings need no value reads. Limits are checked before KV is called, so an
 * oversized key, value or metadata is a `SessionTooLargeError`, never a failed write half-way.
 *
 * KV is eventually consistent: a write is visible at once where it was made and within about 60 s
 * elsewhere, and one key takes at most one write per second.
 */
export class KVStore implements SessionStore {
  readonly namespace: KVNamespaceLike;
  /** See {@link KVStoreOptions.prefix}. */
  readonly prefix: string;
  /** KV's value limit (25 MiB). */
  readonly maxValueBytes = KV_LIMITS.valueBytes;

  constructor(namespace: KVNamespaceLike, options: KVStoreOptions = {}) {
    if (!isKVNamespace(namespace)) throw new SessionConfigError("KVStore needs a KV namespace binding");
    checkKeys(options, KV_STORE_OPTIONS, "KVStore options");
    this.namespace = namespace;
    this.prefix = storePrefix(options.prefix ?? "", KV_LIMITS.keyBytes, "KVStore");
  }

  async get(key: string): Promise<string | null> {
    return this.namespace.get(this.#name(key), "text");
  }

  async set(key: string, value: string, options: StoreSetOptions): Promise<void> {
    const name = this.#name(key);
    const { ttl, metadata } = setOptions(options, "KVStore.set");
    storedValue(value, KV_LIMITS.valueBytes, "KV value");
    metadataJson(metadata, KV_LIMITS.metadataBytes, "KV metadata");
    await this.namespace.put(name, value, { expirationTtl: Math.max(KV_LIMITS.minTtl, Math.ceil(ttl)), metadata });
  }

  async delete(key: string): Promise<void> {
    return this.namespace.delete(this.#name(key));
  }

  /** One page of keys under `prefix`, in key order; pass the returned `cursor` for the next page. */
  async list(options: StoreListOptions = {}): Promise<{ keys: StoreKey[]; cursor?: string | undefined }> {
    const { sub, cursor, limit } = listOptions(options, "KVStore.list", KV_LIMITS.listLimit);
    const page = await this.namespace.list<Record<string, unknown>>({ prefix: this.prefix + sub, cursor: cursor ?? null, limit });
    const keys = page.keys.map(({ name, expiration, metadata }) => ({
      name: name.slice(this.prefix.length),
      expiration,
      metadata: metadata ?? undefined,
    }));
    return { keys, cursor: page.list_complete ? undefined : page.cursor };
  }

  #name(key: string): string {
    return storedKeyName(this.prefix, key, KV_LIMITS.keyBytes, "KV key");
  }
}

/**
 * True for a Workers KV namespace binding. There is no global class to test with `instanceof` in workerd,
 * so this checks the methods a binding has and a `SessionStore` does not (`put`, `getWithMetadata`).
 */
export function isKVNamespace(value: unknown): value is KVNamespaceLike {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Partial<Record<keyof KVNamespaceLike, unknown>>;
  return (
    typeof candidate.get === "function" &&
    typeof candidate.put === "function" &&
    typeof candidate.delete === "function" &&
    typeof candidate.list === "function" &&
    typeof candidate.getWithMetadata === "function"
  );
}
