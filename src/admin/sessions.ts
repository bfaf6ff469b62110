import { isObject } from "../core/envelope.js";
import { SessionConfigError, SessionStoreError } from "../core/errors.js";
import { CLOCK_SKEW_MS } from "../core/expiry.js";
import { checkKeys, type KnownKeys } from "../core/known-keys.js";
import type { KVNamespaceLike } from "../kv/kv-store.js";
import { guardedStore } from "../stores/guarded-store.js";
import { sessionStoreOf } from "../kv/store-option.js";
import { brokenContract, type SessionStore, type StoreKey, type StoreListOptions } from "../stores/store.js";
import { EXPIRED_GRACE, readMetadata, type ActiveSession, type StoredMetadata } from "../stores/stored-session.js";

export interface ListActiveSessionsOptions {
  /** Only sessions used at or after this time (ms since epoch). Default: all that have not expired. */
  since?: number | undefined;
  /** ms since epoch. Default `Date.now()`. */
  now?: number | undefined;
  /** The `cursor` of the previous page. */
  cursor?: string | undefined;
  /** Keys the store scans for this page (KV: at most 1000). Default 1000. */
  limit?: number | undefined;
}

const LIST_OPTIONS: KnownKeys<ListActiveSessionsOptions> = { since: true, now: true, cursor: true, limit: true };

/** One page of {@link listActiveSessions}. */
export interface ActiveSessionsPage {
  sessions: ActiveSession[];
  /** Pass it back for the next page; `undefined` on the last page. */
  cursor?: string | undefined;
  /**
   * Keys of this page whose metadata names session timestamps the library could not have written (wrong
   * types, `created` after `lastUsed`, `lastUsed` after `expires` or ahead of `now` by more than the 60 s
   * of clock skew tolerated elsewhere): left out. Anything above 0 means someone else writes to the store.
   */
  skipped: number;
}

/**
 * One page of the sessions a store holds that were used since `since` and have not expired, from the
 * store's listing and the metadata written beside each session: no value is read or decrypted. Scanning
 * `limit` keys may yield fewer sessions (filtered out); keep calling with `cursor` until it is undefined.
 * KV listings are eventually consistent: a session written in the last minute may be missing.
 *
 * Metadata is not sealed: whoever can write to the store can forge it, so a listing is a report, not proof.
 * Entries whose timestamps are impossible are left out and counted in `skipped`; keys without session
 * metadata (other data sharing the store) are left out silently.
 *
 * ```ts
 * const { sessions, cursor } = await listActiveSessions(env.SESSIONS, { since: Date.now() - 10 * 60_000 });
 * ```
 */
export async function listActiveSessions(
  store: KVNamespaceLike | SessionStore,
  options: ListActiveSessionsOptions = {},
): Promise<ActiveSessionsPage> {
  checkKeys(options, LIST_OPTIONS, "listActiveSessions options");
  const now = options.now ?? Date.now();
  const since = options.since ?? 0;
  const page = await listOf(store, "listActiveSessions")({ cursor: options.cursor, limit: options.limit });
  if (page.cursor !== undefined && page.cursor === options.cursor) throw repeatedCursor();
  const sessions: ActiveSession[] = [];
  let skipped = 0;
  for (const { name, metadata } of page.keys) {
    const meta = listedSession(metadata, now);
    if (meta === "impossible") {
      skipped++;
      continue;
    }
    if (!meta || meta.expires * 1000 <= now || meta.lastUsed * 1000 < since) continue;
    const { lifetime } = meta;
    const times = { key: name, created: meta.created * 1000, lastUsed: meta.lastUsed * 1000, expires: meta.expires * 1000 };
    sessions.push(lifetime === undefined ? times : { ...times, lifetime });
  }
  return { sessions, cursor: page.cursor, skipped };
}

export interface PurgeExpiredOptions {
  /** ms since epoch. Default `Date.now()`. */
  now?: number | undefined;
  /** Keys listed per page. Default 1000. */
  limit?: number | undefined;
}

const PURGE_OPTIONS: KnownKeys<PurgeExpiredOptions> = { now: true, limit: true };

/**
 * Deletes the entries whose time has passed, for stores that do not expire entries themselves (D1, a
 * database behind HTTP...); KV needs none of this. An entry is due at the `expiration` its listing reports
 * (the TTL it was written with), or else a day after the `expires` in its metadata (the grace that lets a
 * returning visitor be told why the session ended). Keys without either are not the library's and stay.
 * The store's cursor must be a key, not an offset, as entries are deleted while listing. The listing ends
 * with a page without a cursor (or with an empty one); a store that hands out a cursor a second time would
 * list forever, so that fails with `SessionStoreError` (operation `"list"`).
 *
 * ```ts
 * export default { scheduled: (_event, env, ctx) => ctx.waitUntil(purgeExpired(new D1Store(env.DB))) };
 * ```
 */
export async function purgeExpired(
  store: KVNamespaceLike | SessionStore,
  options: PurgeExpiredOptions = {},
): Promise<{ scanned: number; purged: number }> {
  checkKeys(options, PURGE_OPTIONS, "purgeExpired options");
  const nowSeconds = Math.floor((options.now ?? Date.now()) / 1000);
  // The same kinds of store as listActiveSessions: a KV binding is read through a KVStore.
  const target = sessionStoreOf(store, "purgeExpired's store");
  const list = listOf(target, "purgeExpired");
  const guarded = guardedStore(target, 0);
  let scanned = 0;
  let purged = 0;
  const seen = new Set<string>();
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
    if (cursor !== undefined) {
      if (seen.has(cursor)) throw repeatedCursor();
      seen.add(cursor);
    }
  } while (cursor !== undefined);
  return { scanned, purged };
}

type ListPage = { keys: StoreKey[]; cursor: string | undefined };

/** The store's `list`, guarded, with every page checked against the contract and an empty cursor read as none. */
function listOf(store: KVNamespaceLike | SessionStore, helper: string): (options: StoreListOptions) => Promise<ListPage> {
  const { list } = guardedStore(sessionStoreOf(store, `${helper}'s store`), 0);
  if (!list) throw new SessionConfigError(`${helper} needs a store with list()`);
  return async (options) => checkedPage(await list(options));
}

const PAGE = "{ keys: { name: string, expiration?: number, metadata?: object }[], cursor?: string }";

/**
 * A listing page as the contract has it, or a `SessionStoreError`: a key without a string name, or an
 * expiration that is not a number, would otherwise make purgeExpired delete what is not due. `null` for an
 * optional field, and `""` for the cursor, mean "none".
 */
function checkedPage(page: unknown): ListPage {
  if (!isObject(page)) throw brokenContract("list", PAGE, page);
  const { keys, cursor } = page;
  if (!Array.isArray(keys)) throw brokenContract("list", PAGE, keys);
  const checked: StoreKey[] = [];
  for (const key of keys) {
    if (!isObject(key) || typeof key.name !== "string") throw brokenContract("list", PAGE, isObject(key) ? key.name : key);
    const { name, expiration, metadata } = key;
    if (expiration !== undefined && expiration !== null && !Number.isFinite(expiration)) throw brokenContract("list", PAGE, expiration);
    if (metadata !== undefined && metadata !== null && !isObject(metadata)) throw brokenContract("list", PAGE, metadata);
    checked.push({
      name,
      expiration: (expiration ?? undefined) as number | undefined,
      metadata: (metadata ?? undefined) as Record<string, unknown> | undefined,
    });
  }
  if (cursor !== undefined && cursor !== null && typeof cursor !== "string") throw brokenContract("list", PAGE, cursor);
  return { keys: checked, cursor: cursor || undefined };
}

function repeatedCursor(): SessionStoreError {
  return new SessionStoreError("list", { cause: new Error("SessionStore.list repeated a cursor: the listing would never end") });
}

function dueAt(key: StoreKey): number | undefined {
  if (key.expiration !== undefined) return key.expiration;
  const meta = readMetadata(key.metadata);
  return meta && meta.expires + EXPIRED_GRACE;
}

/** The latest time a `Date` can hold, in seconds: later "timestamps" cannot be times at all. */
const LAST_SECOND = 8.64e12;

/**
 * A listed key's session metadata: undefined when the key carries none (not a session), `"impossible"`
 * when it names session timestamps the library could not have written at `now` (ms).
 */
function listedSession(metadata: Record<string, unknown> | undefined, now: number): StoredMetadata | "impossible" | undefined {
  if (!metadata || !("created" in metadata || "lastUsed" in metadata || "expires" in metadata)) return undefined;
  const meta = readMetadata(metadata);
  if (!meta) return "impossible";
  const { created, lastUsed, expires } = meta;
  const latest = (now + CLOCK_SKEW_MS) / 1000;
  return created <= lastUsed && lastUsed <= expires && lastUsed <= latest && expires <= LAST_SECOND ? meta : "impossible";
}
