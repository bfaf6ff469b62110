import { checkKeys, type KnownKeys } from "../core/known-keys.js";
import type { SessionStore, StoreKey, StoreListOptions, StoreSetOptions } from "./store.js";

export interface MemoryStoreOptions {
  /** Clock in ms since epoch, for TTLs. Default `Date.now`; tests pass their own so they never sleep. */
  now?: (() => number) | undefined;
}

const MEMORY_STORE_OPTIONS: KnownKeys<MemoryStoreOptions> = { now: true };

interface Entry {
  value: string;
  /** ms since epoch. */
  expires: number;
  metadata: Record<string, unknown> | undefined;
}

/**
 * A `SessionStore` in the memory of one isolate: for tests, and for single-isolate use where losing every
 * session on an isolate restart is acceptable. TTLs are exact (no minimum) and checked against `now`;
 * expired entries are dropped when read or listed. Listing is in key order, like KV.
 */
export class MemoryStore implements SessionStore {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;

  constructor(options: MemoryStoreOptions = {}) {
    checkKeys(options, MEMORY_STORE_OPTIONS, "MemoryStore options");
    this.#now = options.now ?? Date.now;
  }

  async get(key: string): Promise<string | null> {
    return this.#live(key)?.value ?? null;
  }

  async set(key: string, value: string, options: StoreSetOptions): Promise<void> {
    const metadata = options.metadata === undefined ? undefined : structuredClone(options.metadata);
    this.#entries.set(key, { value, expires: this.#now() + options.ttl * 1000, metadata });
  }

  async delete(key: string): Promise<void> {
    this.#entries.delete(key);
  }

  /** Keys in order; `cursor` is the last key of the previous page. */
  async list(options: StoreListOptions = {}): Promise<{ keys: StoreKey[]; cursor?: string | undefined }> {
    const { prefix = "", cursor } = options;
    const limit = Math.max(1, options.limit ?? 1000);
    const names = [...this.#entries.keys()].filter((name) => name.startsWith(prefix) && (cursor === undefined || name > cursor)).sort();
    const keys: StoreKey[] = [];
    for (const name of names) {
      if (keys.length === limit) return { keys, cursor: keys.at(-1)!.name };
      const entry = this.#live(name);
      if (entry) keys.push({ name, expiration: Math.floor(entry.expires / 1000), metadata: entry.metadata });
    }
    return { keys };
  }

  /** How many entries the store holds, expired ones included until they are dropped. */
  get size(): number {
    return this.#entries.size;
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry && entry.expires <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }
}
