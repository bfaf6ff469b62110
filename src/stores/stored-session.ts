import { envelopeJson, isObject, isSeconds, parseEnvelope, type Envelope } from "../core/envelope.js";
import type { Opened } from "../core/mode.js";
import type { SealedStore, StoreRead } from "./sealed-store.js";

/**
 * Stored copies outlive their session's deadline by a day, so a visitor who returns after an idle or
 * absolute timeout is told why (`expired: "idle"`) from the sealed metadata instead of `invalid: "missing"`.
 * The copy cannot be used meanwhile: expiry is enforced from the sealed metadata on every read.
 */
export const EXPIRED_GRACE = 24 * 3600;

/**
 * Non-secret metadata written beside every stored session, in seconds since epoch: in KV metadata (read
 * by the admin helpers), and in the Durable Object store (whose device list converts to ms).
 */
export type StoredMetadata = {
  created: number;
  lastUsed: number;
  /** When the session expires unless used again (its idle or absolute deadline). */
  expires: number;
  /**
   * The cookie's Max-Age as last sealed, seconds: 0 = it ends with the browser, more = remembered on the device
   * (the session's own lifetime from `setLimits()`, or the engine's). Absent in metadata written before it was.
   */
  lifetime?: number;
};

/**
 * Reads the session stored under `key`. A value that does not open, is not an envelope, or belongs to
 * another session id than expected is refused: never another user's data.
 */
export async function readStored(
  store: SealedStore,
  key: string,
  expected: { id?: string | undefined; rotated: boolean },
): Promise<Opened> {
  return storedSession(await store.open(key), key, expected);
}

/**
 * The session in a value already read and unsealed from under `key` (see {@link readStored}), for stores with
 * their own read calls. `expected.rotated`: the cookie that named the key was sealed with a previous key.
 */
export function storedSession(read: StoreRead, key: string, expected: { id?: string | undefined; rotated: boolean }): Opened {
  if (!read.ok) return read;
  const envelope = parseEnvelope(read.value);
  if (!envelope) return { ok: false, reason: "not-a-session" };
  if (expected.id !== undefined && envelope.meta.id !== expected.id) return { ok: false, reason: "tampered" };
  return { ok: true, envelope, rotated: expected.rotated || read.rotated, stored: key };
}

/** The metadata of a session (`meta` in ms) that expires `ttl` seconds after `now` (ms) unless used again. */
export function metadataOf(meta: Pick<Envelope["meta"], "created" | "lastUsed" | "lifetime">, ttl: number, now: number): StoredMetadata {
  return {
    created: Math.floor(meta.created / 1000),
    lastUsed: Math.floor(meta.lastUsed / 1000),
    expires: Math.floor(now / 1000) + ttl,
    lifetime: meta.lifetime,
  };
}

/** The metadata beside a stored value if it is `StoredMetadata` (as written here), else undefined. */
export function readMetadata(metadata: unknown): StoredMetadata | undefined {
  if (!isObject(metadata)) return undefined;
  const { created, lastUsed, expires, lifetime } = metadata;
  if (!isSeconds(created) || !isSeconds(lastUsed) || !isSeconds(expires)) return undefined;
  // A lifetime that is not whole seconds is left out, not the entry: the times alone still list it.
  return isSeconds(lifetime) ? { created, lastUsed, expires, lifetime } : { created, lastUsed, expires };
}

/** Writes the session under `key` for `ttl` seconds (plus {@link EXPIRED_GRACE}, said as such) with its metadata. */
export function writeStored(store: SealedStore, key: string, envelope: Envelope, ttl: number, now: number): Promise<void> {
  return store.set(key, envelopeJson(envelope), {
    ttl: ttl + EXPIRED_GRACE,
    grace: EXPIRED_GRACE,
    metadata: metadataOf(envelope.meta, ttl, now),
  });
}

/** One stored session as its listing metadata tells it; nothing is decrypted. Times in ms since epoch. */
export interface ActiveSession {
  /** The store key: the session id in server-side mode (revoke with `store.delete(key)`), a random key for overflow. */
  key: string;
  created: number;
  lastUsed: number;
  /** When the session expires unless used again. */
  expires: number;
  /**
   * The cookie's Max-Age as last sealed, seconds: 0 = "until the browser closes", more = remembered on the
   * device ("keep me signed in", `setLimits({ lifetime })`). Absent for entries written before it was recorded.
   */
  lifetime?: number;
}
