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
export function metadataOf(meta: Pick<Envelope["meta"], "created" | "lastUsed">, ttl: number, now: number): StoredMetadata {
  return { created: Math.floor(meta.created / 1000), lastUsed: Math.floor(meta.lastUsed / 1000), expires: Math.floor(now / 1000) + ttl };
}

/** The metadata beside a stored value if it is `StoredMetadata` (as written here), else undefined. */
export function readMetadata(metadata: unknown): StoredMetadata | undefined {
  if (!isObject(metadata)) return undefined;
  const { created, lastUsed, expires } = metadata;
  return isSeconds(created) && isSeconds(lastUsed) && isSeconds(expires) ? { created, lastUsed, expires } : undefined;
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
}
