import type { VersionedSessions } from "./do/protocol.js";

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
  get(key: string): Promise<string | null>;
  set(key: string, value: string, options: StoreSetOptions): Promise<void>;
  delete(key: string): Promise<void>;
  list?(options: StoreListOptions): Promise<{ keys: StoreKey[]; cursor?: string | undefined }>;
  /**
   * Capability: versioned sessions (compare-and-swap writes, optional lock, revocation). As `store:`, a store
   * that offers it gets the versioned server-side mode, whose reads and writes go through it rather than
   * `get`/`set`. `DurableObjectStore` offers it; a wrapper around one keeps it by forwarding the property.
   */
  readonly versioned?: VersionedSessions | undefined;
}
