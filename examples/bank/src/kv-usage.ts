import type { SessionStore } from "../../../src/index.js";

/** The KV calls this request made for its session (what the account page shows as "stored in"). */
export interface KvUsage {
  reads: number;
  /** Reads that found the session: it came from KV, the cookie only held a pointer. */
  hits: number;
  writes: number;
  deletes: number;
}

/**
 * A `SessionStore` that counts the calls it passes on. The library does not say where a session lives, so the
 * demo watches its overflow store: a read that found something means the session was in KV.
 */
export function meteredStore(store: SessionStore, usage: KvUsage): SessionStore {
  return {
    async get(key) {
      usage.reads++;
      const value = await store.get(key);
      if (value !== null) usage.hits++;
      return value;
    },
    async set(key, value, options) {
      usage.writes++;
      await store.set(key, value, options);
    },
    async delete(key) {
      usage.deletes++;
      await store.delete(key);
    },
  };
}
