import { SessionConfigError, SessionStoreError } from "../core/errors.js";
import type { KnownKeys } from "../core/known-keys.js";
import type { LockRequest, Snapshot, VersionedSessions, WriteRequest, WriteResult } from "../stores/versioned.js";
import { storeCall, type SessionStore, type StoreKey, type StoreListOptions, type StoreSetOptions } from "../stores/store.js";
import { checkedNow, listOptions, parseMetadata, setOptions, storedKeyName, storePrefix } from "../stores/store-checks.js";
import { lockFreeOptions, storedRecord, writeRequest, type WriteLimits } from "../stores/versioned-checks.js";
import { activePage, bucketActivity, countActive, purgeRows, type ActivePage, type ActivityBucket } from "./d1-activity.js";
import {
  D1_LIMITS,
  END,
  REPLACE,
  rowBindings,
  scopeOf,
  SKEW,
  snapshotOf,
  WRITE,
  type D1Table,
  type Row,
  type RowBindings,
} from "./d1-table.js";

export interface D1StoreOptions {
  /**
   * Put before every key, so stores (tenants, kinds of data) can share the table; listings, statistics and
   * purges see only their own prefix. Default `""`. It also names the store for `sealedStore` (the
   * `overflow` option and plain `store:` use): a value copied from one prefix to another does not open there.
   */
  prefix?: string;
  /**
   * Server-side sessions (`store:`): two overlapping requests changed the same key. `"merge"` (default)
   * keeps the value committed last; `"error"` throws `SessionConflictError` (409) in the request that
   * committed second, which writes nothing. Changes to different keys are merged either way.
   */
  onConflict?: "merge" | "error";
  /** Clock in ms since epoch, for expiry and statistics. Default `Date.now`; tests pass their own. */
  now?: () => number;
}

const D1_STORE_OPTIONS: KnownKeys<D1StoreOptions> = { prefix: true, onConflict: true, now: true };
const NO_LOCK = "D1 cannot make a request wait for another; use a DurableObjectStore with exclusive: true";

const LIMITS: WriteLimits = { valueBytes: D1_LIMITS.valueBytes, metadataBytes: D1_LIMITS.metadataBytes, what: "D1" };

/**
 * A `SessionStore` over a D1 database (SQLite at the edge), in the table of `migrations/0001_sessions.sql`:
 *
 * ```ts
 * import { D1Store } from "edge-session/d1";
 * app.use(session({ secret: (c) => c.env.SESSION_SECRET, idleTimeout: 1800, store: (c) => new D1Store(c.env.SESSIONS_DB) }));
 * ```
 *
 * - Every value arrives sealed (the engine seals before a store sees anything); beside it the table keeps
 *   the non-secret metadata (created, last used, deadline) that listings and statistics read.
 * - Expiry is checked on every read against the row's `expires` (seconds), so an expired row is a miss at
 *   once, exactly as in KV (without KV's 60 s minimum). D1 does not delete rows by itself: run
 *   {@link D1Store.purge} (or `purgeExpired`) from a Cron Trigger.
 * - Versioned: as `store:` it gets the versioned server-side mode, with compare-and-swap writes
 *   (`UPDATE ... WHERE version = ?`) and rebase, so overlapping requests changing different keys all
 *   survive, and destroy() leaves a tombstone row that no request in flight can write over. No lock
 *   (`exclusive`): D1 has no way to make a request wait for another; use a `DurableObjectStore` for that.
 * - Strongly consistent when given the binding itself: every query reaches D1's primary. (A `withSession()`
 *   with read replicas could read an old version: writes would still be checked, plain reads could miss.)
 */
export class D1Store implements SessionStore, VersionedSessions {
  readonly db: D1Database;
  /** See {@link D1StoreOptions.prefix}. */
  readonly prefix: string;
  /** The value limit this store checks (`D1_LIMITS.valueBytes`, 1 MiB). */
  readonly maxValueBytes = D1_LIMITS.valueBytes;
  /** D1 takes no session lock: requests of one session run in parallel and their writes are merged. */
  readonly exclusive: undefined = undefined;
  readonly onConflict: "merge" | "error";
  /** The versioned capability (this store itself): what a wrapper forwards to keep the guarantees. */
  readonly versioned: VersionedSessions;
  readonly #clock: () => number;
  /** The table as the reports see it: this store's prefix scope and clock. */
  readonly #table: D1Table;

  constructor(db: D1Database, options: D1StoreOptions = {}) {
    if (!isD1Database(db))
      throw new SessionConfigError("D1Store needs a D1 database binding (env.SESSIONS_DB, from [[d1_databases]] in wrangler.toml)");
    if (typeof options !== "object" || options === null) throw new SessionConfigError("D1Store options must be an object");
    const { onConflict, clock: now } = lockFreeOptions(options, D1_STORE_OPTIONS, "D1Store", NO_LOCK);
    const prefix = storePrefix(options.prefix ?? "", D1_LIMITS.keyBytes, "D1Store", { wellFormed: true });
    this.db = db;
    this.prefix = prefix;
    this.onConflict = onConflict;
    this.#clock = now;
    this.#table = { db, prefix, scope: scopeOf(prefix), now: () => this.#now() };
    this.versioned = this;
  }

  /** The value under `key`, or `null` when there is none, it expired, or the key was ended. */
  async get(key: string): Promise<string | null> {
    const name = this.#name(key);
    const row = await storeCall("get", () =>
      this.db
        .prepare("SELECT value FROM sessions WHERE key = ?1 AND value IS NOT NULL AND expires > ?2")
        .bind(name, this.#seconds())
        .first<{ value: string }>(),
    );
    return row?.value ?? null;
  }

  /**
   * Writes the value for `ttl` seconds (rounded up). Metadata in the form the library writes
   * (`StoredMetadata`) also fills the created/last-used/deadline columns. A key ended by {@link D1Store.end}
   * cannot be written again until its tombstone lapses: that throws `SessionStoreError`.
   */
  async set(key: string, value: string, options: StoreSetOptions): Promise<void> {
    const name = this.#name(key);
    const { ttl, metadata } = setOptions(options, "D1Store.set");
    const row = rowBindings(storedRecord({ value, ttl: Math.ceil(ttl), keep: 0, metadata }, LIMITS, this.#now()));
    const now = this.#seconds();
    const written = await storeCall("set", () =>
      this.db
        .prepare(`${WRITE} WHERE sessions.value IS NOT NULL OR sessions.expires <= ?8 RETURNING version`)
        .bind(name, ...row, now)
        .first<{ version: number }>(),
    );
    if (!written)
      throw new SessionStoreError("set", { cause: new Error("the key was ended (a tombstone holds it) and cannot be written yet") });
  }

  /**
   * Deletes the value under `key` (nothing to delete is fine). A tombstone left by {@link D1Store.end}
   * stays until it lapses: deleting does not bring an ended session back within reach.
   */
  async delete(key: string): Promise<void> {
    const name = this.#name(key);
    await storeCall("delete", () =>
      this.db.prepare("DELETE FROM sessions WHERE key = ?1 AND (value IS NOT NULL OR expires <= ?2)").bind(name, this.#seconds()).run(),
    );
  }

  /**
   * One page of keys under the store's prefix (and `options.prefix`), in key order; the cursor is the last
   * key of the page, so deleting keys while listing skips nothing. Rows are listed until purged: an expired
   * value or a tombstone (no metadata) shows with its `expiration` (seconds) in the past, which is what
   * `purgeExpired` deletes.
   */
  async list(options: StoreListOptions = {}): Promise<{ keys: StoreKey[]; cursor?: string | undefined }> {
    const { sub, cursor, limit } = listOptions(options, "D1Store.list", D1_LIMITS.listLimit);
    const scope = scopeOf(this.prefix + sub, "key");
    const after = cursor ? this.#name(cursor) : "";
    const { results } = await storeCall("list", () =>
      this.db
        .prepare(`SELECT key, expires, metadata FROM sessions WHERE key > ?1${scope.sql} ORDER BY key LIMIT ${limit + 1}`)
        .bind(after, ...scope.bindings)
        .all<{ key: string; expires: number; metadata: string | null }>(),
    );
    const keys = results
      .slice(0, limit)
      .map((row) => ({ name: row.key.slice(this.prefix.length), expiration: row.expires, metadata: parseMetadata(row.metadata) }));
    return { keys, cursor: results.length > limit ? keys.at(-1)!.name : undefined };
  }

  /** The stored value with its version. No lock: D1Store offers none (`exclusive` is undefined). */
  async read(key: string, lock?: LockRequest): Promise<Snapshot> {
    if (lock !== undefined) throw new SessionConfigError("D1Store takes no session lock (it offers no exclusive mode)");
    const name = this.#name(key);
    const row = await storeCall("get", () =>
      this.db.prepare("SELECT value, version, expires FROM sessions WHERE key = ?1").bind(name).first<Row>(),
    );
    return snapshotOf(row, this.#seconds());
  }

  /**
   * Versioned write: commits only if the stored version is still `request.expected` (0: no live value;
   * absent: any), in one statement; a key ended by {@link D1Store.end} is never written over. A write that
   * lost reads what won in the same round trip (a D1 batch is one transaction).
   */
  async write(key: string, request: WriteRequest): Promise<WriteResult> {
    const name = this.#name(key);
    const write = writeRequest(request, LIMITS);
    const { expected } = write;
    const row = rowBindings(storedRecord(write, LIMITS, this.#now()));
    const now = this.#seconds();
    if (write.replaces !== undefined) return this.#replace(name, this.#name(write.replaces), row, now);
    const statement =
      expected === undefined || expected === 0
        ? // Absent: anything but a live tombstone; 0: the key must hold nothing live (none, expired or lapsed).
          this.db
            .prepare(`${WRITE} WHERE sessions.expires <= ?8 OR (?9 IS NULL AND sessions.value IS NOT NULL) RETURNING version`)
            .bind(name, ...row, now, expected ?? null)
        : this.db
            .prepare(
              `UPDATE sessions SET value = ?2, version = version + 1, expires = ?3, deadline = ?4, created = ?5, last_used = ?6, metadata = ?7
               WHERE key = ?1 AND version = ?9 AND value IS NOT NULL AND expires > ?8 RETURNING version`,
            )
            .bind(name, ...row, now, expected);
    const [written, current] = await storeCall("set", () =>
      this.db.batch<{ version: number } | Row>([
        statement,
        this.db.prepare("SELECT value, version, expires FROM sessions WHERE key = ?1").bind(name),
      ]),
    );
    const version = (written?.results[0] as { version: number } | undefined)?.version;
    if (version !== undefined) return { ok: true, version };
    const snapshot = snapshotOf(current?.results[0] as Row | undefined, now);
    if (snapshot.state === "revoked") return { ok: false, state: "revoked" };
    return {
      ok: false,
      state: "conflict",
      current: snapshot.state === "live" ? { value: snapshot.value, version: snapshot.version } : null,
    };
  }

  /**
   * A versioned write that replaces the session under `old` (regenerate), in one batch (one transaction):
   * the new row is written and the old one ended only while the old one holds a live value.
   */
  async #replace(name: string, old: string, row: RowBindings, now: number): Promise<WriteResult> {
    const [written, ended] = await storeCall("set", () =>
      this.db.batch<{ version: number }>([
        this.db.prepare(REPLACE).bind(name, ...row, now, old),
        // The same condition as the write's, in the same transaction: both happen or neither.
        this.db.prepare(`${END} AND value IS NOT NULL AND expires > ?2 RETURNING version`).bind(old, now, SKEW),
      ]),
    );
    const version = written?.results[0]?.version;
    if (version !== undefined) return { ok: true, version };
    // 128 random bits are never taken; were one, the old session is ended and this must not look like a logout.
    if (ended?.results[0] !== undefined) throw new SessionStoreError("set", { cause: new Error("the new key was taken") });
    return { ok: false, state: "revoked" };
  }

  /** Nothing to release: D1Store takes no lock. */
  async release(): Promise<void> {}

  /**
   * Ends the session stored under `key` for good: the value goes, and a tombstone row refuses reads
   * (`"revoked"`) and every write until the session could no longer have been valid (its deadline, plus
   * the clock skew the server tolerates). A key holding nothing is left alone.
   */
  async end(key: string): Promise<void> {
    const name = this.#name(key);
    await storeCall("delete", () => this.db.prepare(END).bind(name, this.#seconds(), SKEW).run());
  }

  /**
   * How many sessions of this store were used at or after `since` (ms since epoch) and have not expired
   * at `now`: one count over the activity index, no value read. Sessions whose last use lies more than the
   * tolerated clock skew (60 s) ahead of `now` are not counted (`listActiveSessions` skips them too).
   */
  async countActiveSince(since: number, options: { now?: number } = {}): Promise<number> {
    return countActive(this.#table, since, options);
  }

  /**
   * One page of the sessions {@link D1Store.countActiveSince} counts, in order of last use (oldest first),
   * from the activity index. A session used again while you page moves to the end: it may then appear
   * twice, never not at all. Keep calling with `cursor` until it is undefined.
   */
  async activeSince(since: number, options: { now?: number; cursor?: string; limit?: number } = {}): Promise<ActivePage> {
    return activePage(this.#table, since, options);
  }

  /**
   * Sessions by the time of their latest use, in buckets of `bucketSeconds` from `since` (ms, to the
   * second) up to `until` (ms, default now), for a dashboard: every bucket, empty ones as 0, from the
   * activity index alone. A bucket holds its start up to the next one's; the last also holds `until`. A session counts once, in the bucket of its last use; sessions ended by a timeout
   * still count while their row is kept (a day past the deadline, until purged), sessions ended by
   * destroy() or `end` do not. At most 10 000 buckets.
   */
  async activityBuckets(options: { since: number; until?: number; bucketSeconds: number }): Promise<ActivityBucket[]> {
    return bucketActivity(this.#table, options);
  }

  /**
   * Deletes this store's rows whose time has passed (expired values, lapsed tombstones), oldest first, in
   * statements of at most `batch` rows (default 1000) and at most `max` rows per call (default 10 000), so
   * one call never holds the database for long. `more`: the call stopped at `max`; call again.
   *
   * ```ts
   * export default { scheduled: (_event, env, ctx) => ctx.waitUntil(new D1Store(env.SESSIONS_DB).purge()) };
   * ```
   */
  async purge(options: { now?: number; batch?: number; max?: number } = {}): Promise<{ purged: number; more: boolean }> {
    return purgeRows(this.#table, options);
  }

  /** The row key of `key`, checked: a non-empty well-formed string that fits with the prefix. */
  #name(key: string): string {
    return storedKeyName(this.prefix, key, D1_LIMITS.keyBytes, "D1 key");
  }

  #now(): number {
    return checkedNow(this.#clock, "D1Store");
  }

  #seconds(): number {
    return Math.floor(this.#now() / 1000);
  }
}

/**
 * True for a D1 database binding (or a D1 session of one): there is no global class to test with
 * `instanceof` in workerd, so this checks the methods D1Store uses.
 */
export function isD1Database(value: unknown): value is D1Database {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Partial<Record<keyof D1Database, unknown>>;
  return typeof candidate.prepare === "function" && typeof candidate.batch === "function";
}
