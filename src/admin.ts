import { isSeconds } from "./envelope.js";
import { SessionConfigError } from "./errors.js";
import { guardedStore } from "./guarded-store.js";
import { sessionStoreOf } from "./store-option.js";
import type { SessionStore, StoreKey } from "./store.js";
import { EXPIRED_GRACE, type StoredMetadata } from "./stored-session.js";

/** One stored session as its listing metadata tells it; nothing is decrypted. Times in ms since epoch. */
export interface ActiveSession {
  /** The store key: the session id in server-side mode (revoke with `store.delete(key)`), a random key for overflow. */
  key: string;
  created: number;
  lastUsed: number;
  /** When the session expires unless used again. */
  expires: number;
}

export interface ListActiveSessionsOptions {
  /** Only sessions used at or after this time (ms since epoch). Default: all that have not expired. */
  since?: number;
  /** ms since epoch. Default `Date.now()`. */
  now?: number;
  /** The `cursor` of the previous page. */
  cursor?: string;
  /** Keys the store scans for this page (KV: at most 1000). Default 1000. */
  limit?: number;
}

/**
 * One page of the sessions a store holds that were used since `since` and have not expired, from the
 * store's listing and the metadata written beside each session: no value is read or decrypted. Scanning
 * `limit` keys may yield fewer sessions (filtered out); keep calling with `cursor` until it is undefined.
 * KV listings are eventually consistent: a session written in the last minute may be missing.
 *
 * ```ts
 * const { sessions, cursor } = await listActiveSessions(env.SESSIONS, { since: Date.now() - 10 * 60_000 });
 * ```
 */
export async function listActiveSessions(
  store: KVNamespace | SessionStore,
  options: ListActiveSessionsOptions = {},
): Promise<{ sessions: ActiveSession[]; cursor?: string | undefined }> {
  const now = options.now ?? Date.now();
  const since = options.since ?? 0;
  const page = await listOf(store, "listActiveSessions")({ cursor: options.cursor, limit: options.limit });
  const sessions: ActiveSession[] = [];
  for (const { name, metadata } of page.keys) {
    const meta = storedMetadata(metadata);
    if (!meta || meta.expires * 1000 <= now || meta.lastUsed * 1000 < since) continue;
    sessions.push({ key: name, created: meta.created * 1000, lastUsed: meta.lastUsed * 1000, expires: meta.expires * 1000 });
  }
  return { sessions, cursor: page.cursor };
}

export interface PurgeExpiredOptions {
  /** ms since epoch. Default `Date.now()`. */
  now?: number;
  /** Keys listed per page. Default 1000. */
  limit?: number;
}

/**
 * Deletes the entries whose time has passed, for stores that do not expire entries themselves (D1, a
 * database behind HTTP...); KV needs none of this. An entry is due at the `expiration` its listing reports
 * (the TTL it was written with), or else a day after the `expires` in its metadata (the grace that lets a
 * returning visitor be told why the session ended). Keys without either are not the library's and stay.
 * The store's cursor must be a key, not an offset, as entries are deleted while listing.
 *
 * ```ts
 * export default { scheduled: (_event, env, ctx) => ctx.waitUntil(purgeExpired(new D1Store(env.DB))) };
 * ```
 */
export async function purgeExpired(store: SessionStore, options: PurgeExpiredOptions = {}): Promise<{ scanned: number; purged: number }> {
  const nowSeconds = Math.floor((options.now ?? Date.now()) / 1000);
  const list = listOf(store, "purgeExpired");
  const guarded = guardedStore(store, 0);
  let scanned = 0;
  let purged = 0;
  let cursor: string | undefined;
  do {
    const page = await list({ cursor, limit: options.limit });
    scanned += page.keys.length;
    for (const key of page.keys) {
      const due = dueAt(key);
      if (due === undefined || due > nowSeconds) continue;
      await guarded.delete(key.name);
      purged++;
    }
    cursor = page.cursor;
  } while (cursor !== undefined);
  return { scanned, purged };
}

function listOf(store: KVNamespace | SessionStore, helper: string): NonNullable<SessionStore["list"]> {
  const { list } = guardedStore(sessionStoreOf(store, `${helper}'s store`), 0);
  if (!list) throw new SessionConfigError(`${helper} needs a store with list()`);
  return list;
}

function dueAt(key: StoreKey): number | undefined {
  if (key.expiration !== undefined) return key.expiration;
  const meta = storedMetadata(key.metadata);
  return meta && meta.expires + EXPIRED_GRACE;
}

function storedMetadata(metadata: Record<string, unknown> | undefined): StoredMetadata | undefined {
  if (!metadata) return undefined;
  const { created, lastUsed, expires } = metadata;
  return isSeconds(created) && isSeconds(lastUsed) && isSeconds(expires) ? { created, lastUsed, expires } : undefined;
}
