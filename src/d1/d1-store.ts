import { SessionConfigError, SessionError, SessionStoreError } from "../core/errors.js";
import { checkKeys, type KnownKeys } from "../core/known-keys.js";
import { CLOCK_SKEW_MS } from "../core/expiry.js";
import {
  isTtl,
  MAX_TTL,
  type LockRequest,
  type Snapshot,
  type VersionedSessions,
  type WriteRequest,
  type WriteResult,
} from "../stores/versioned.js";
import type { SessionStore, StoreKey, StoreListOptions, StoreSetOptions } from "../stores/store.js";
import { readMetadata, storedLifetime, type ActiveSession } from "../stores/stored-session.js";
import {
  checkedNow,
  LONE_SURROGATE,
  metadataJson,
  pageLimit,
  parseMetadata,
  storedKeyName,
  storedValue,
  versionedOptions,
} from "../stores/store-input.js";

/** Limits D1Store checks before D1 is called (D1 itself holds rows up to 2 MB). */
export const D1_LIMITS = {
  /** Bytes of the store's prefix + a key. */
  keyBytes: 512,
  /** Bytes of a value: what the versioned server-side mode reads back (1 MiB). */
  valueBytes: 1024 * 1024,
  /** Bytes of the metadata as JSON (as in KV: it is meant for a few timestamps). */
  metadataBytes: 1024,
  /** Most keys (or sessions) one `list` (or `activeSince`) page returns. */
  listLimit: 1000,
  /** Most buckets one `activityBuckets` call answers. */
  buckets: 10_000,
} as const;

/**
 * The statements of `migrations/0001_sessions.sql`, without its comments: the table D1Store reads and
 * writes, with its indexes. Prefer the migration file (`wrangler d1 migrations apply`); this is for setups
 * that create tables from code (a test's setup, a script).
 */
export const D1_SCHEMA: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS sessions (
  key TEXT PRIMARY KEY NOT NULL,
  value TEXT,
  version INTEGER NOT NULL,
  expires INTEGER NOT NULL,
  deadline INTEGER NOT NULL,
  created INTEGER,
  last_used INTEGER,
  metadata TEXT
) STRICT`,
  "CREATE INDEX IF NOT EXISTS sessions_by_expiry ON sessions (expires)",
  "CREATE INDEX IF NOT EXISTS sessions_by_activity ON sessions (last_used, key, deadline)",
];

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

/** One page of {@link D1Store.activeSince}. */
export interface ActivePage {
  /** In order of last use, oldest first (then by key). */
  sessions: ActiveSession[];
  /** Pass it back for the next page; `undefined` on the last page. */
  cursor?: string | undefined;
}

/** One bucket of {@link D1Store.activityBuckets}. */
export interface ActivityBucket {
  /** ms since epoch: the bucket holds sessions last used from here to the next bucket's start. */
  start: number;
  count: number;
}

/** The bindings ?2 to ?7 of a write: value, expires, deadline, created, last_used, metadata JSON. */
type RowBindings = [string, number, number, number | null, number | null, string | null];

interface Row {
  value: string | null;
  version: number;
  expires: number;
}

const encoder = new TextEncoder();
const SKEW = Math.ceil(CLOCK_SKEW_MS / 1000);
const CURSOR = /^(\d{1,15}):/;
/** The columns a write sets, in the order of its bindings ?1 to ?7. */
const WRITE = `INSERT INTO sessions (key, value, version, expires, deadline, created, last_used, metadata) VALUES (?1, ?2, 1, ?3, ?4, ?5, ?6, ?7)
  ON CONFLICT (key) DO UPDATE SET value = excluded.value, version = sessions.version + 1, expires = excluded.expires,
  deadline = excluded.deadline, created = excluded.created, last_used = excluded.last_used, metadata = excluded.metadata`;

/** A write of a new key (as WRITE with expected 0, ?8 now) made only while the row ?9 holds a live session. */
const REPLACE = `${WRITE.replace(
  "VALUES (?1, ?2, 1, ?3, ?4, ?5, ?6, ?7)",
  "SELECT ?1, ?2, 1, ?3, ?4, ?5, ?6, ?7 WHERE EXISTS (SELECT 1 FROM sessions WHERE key = ?9 AND value IS NOT NULL AND expires > ?8)",
)} WHERE sessions.expires <= ?8 RETURNING version`;

/** Ends the row ?1 at ?2 (seconds): a tombstone until the session's deadline + ?3 (a tombstone keeps its end). */
const END = `UPDATE sessions SET value = NULL, metadata = NULL, created = NULL, last_used = NULL, version = version + 1,
  expires = max(?2, CASE WHEN value IS NULL THEN expires ELSE deadline + ?3 END) WHERE key = ?1`;

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
  /** SQL that keeps a query to this store's prefix (empty without one), and its bindings. */
  readonly #scope: { sql: string; bindings: string[] };

  constructor(db: D1Database, options: D1StoreOptions = {}) {
    if (!isD1Database(db))
      throw new SessionConfigError("D1Store needs a D1 database binding (env.SESSIONS_DB, from [[d1_databases]] in wrangler.toml)");
    if (typeof options !== "object" || options === null) throw new SessionConfigError("D1Store options must be an object");
    if ((options as { exclusive?: unknown }).exclusive !== undefined) {
      throw new SessionConfigError(
        "D1Store offers no session lock (exclusive): D1 cannot make a request wait for another; use a DurableObjectStore with exclusive: true",
      );
    }
    checkKeys(options, D1_STORE_OPTIONS, "D1Store options");
    const prefix = options.prefix ?? "";
    // Our own keys are at most 64 characters; the prefix may take the rest of the 512 bytes.
    if (typeof prefix !== "string" || LONE_SURROGATE.test(prefix) || encoder.encode(prefix).byteLength > D1_LIMITS.keyBytes - 64) {
      throw new SessionConfigError(`D1Store prefix must be a well-formed string of at most ${D1_LIMITS.keyBytes - 64} bytes`);
    }
    const { onConflict, clock: now } = versionedOptions(options);
    this.db = db;
    this.prefix = prefix;
    this.onConflict = onConflict;
    this.#clock = now;
    this.#scope = scopeOf(prefix);
    this.versioned = this;
  }

  /** The value under `key`, or `null` when there is none, it expired, or the key was ended. */
  async get(key: string): Promise<string | null> {
    const name = this.#name(key);
    const row = await this.#run("get", () =>
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
    optionsOf(options, "set");
    if (typeof options.ttl !== "number" || !(options.ttl >= 0 && options.ttl <= MAX_TTL)) {
      throw new SessionConfigError(`ttl must be a number of seconds from 0 to ${MAX_TTL} (10 years)`);
    }
    const { ttl, keep, metadata } = storedLifetime({ ttl: Math.ceil(options.ttl), metadata: options.metadata });
    const row = this.#row(value, ttl, keep, options.metadata, metadata);
    const now = this.#seconds();
    const written = await this.#run("set", () =>
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
    await this.#run("delete", () =>
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
    const { cursor } = optionsOf(options, "list");
    const sub = options.prefix ?? "";
    if (typeof sub !== "string" || (cursor !== undefined && typeof cursor !== "string"))
      throw new SessionConfigError("list prefix and cursor must be strings");
    const limit = pageLimit(options.limit, D1_LIMITS.listLimit);
    const scope = scopeOf(this.prefix + sub, "key");
    const after = cursor ? this.#name(cursor) : "";
    const { results } = await this.#run("list", () =>
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
    const row = await this.#run("get", () =>
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
    optionsOf(request, "write");
    const keep = request.keep ?? 0;
    if (!isTtl(request.ttl) || !isTtl(keep) || !isTtl(request.ttl + keep)) {
      throw new SessionConfigError(`ttl and keep must be whole numbers of seconds, together at most ${MAX_TTL} (10 years)`);
    }
    const { expected } = request;
    if (expected !== undefined && !(Number.isSafeInteger(expected) && expected >= 0)) {
      throw new SessionConfigError("expected must be a version (a whole number, at least 0)");
    }
    const row = this.#row(request.value, request.ttl, keep, request.metadata, readMetadata(request.metadata));
    const now = this.#seconds();
    if (request.replaces !== undefined) return this.#replace(name, this.#name(request.replaces), row, now, expected);
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
    const [written, current] = await this.#run("set", () =>
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
  async #replace(name: string, old: string, row: RowBindings, now: number, expected: number | undefined): Promise<WriteResult> {
    if (expected !== 0) throw new SessionConfigError("a write that replaces a session creates a new key: expected must be 0");
    const [written, ended] = await this.#run("set", () =>
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
    await this.#run("delete", () => this.db.prepare(END).bind(name, this.#seconds(), SKEW).run());
  }

  /**
   * How many sessions of this store were used at or after `since` (ms since epoch) and have not expired
   * at `now`: one count over the activity index, no value read. Sessions whose last use lies more than the
   * tolerated clock skew (60 s) ahead of `now` are not counted (`listActiveSessions` skips them too).
   */
  async countActiveSince(since: number, options: { now?: number } = {}): Promise<number> {
    const { from, to, now } = this.#window(since, optionsOf(options, "countActiveSince", { now: true }).now);
    const row = await this.#run("list", () =>
      this.db
        .prepare(`SELECT count(*) AS n FROM sessions WHERE last_used BETWEEN ?1 AND ?2 AND deadline > ?3${this.#scope.sql}`)
        .bind(from, to, now, ...this.#scope.bindings)
        .first<{ n: number }>(),
    );
    return row?.n ?? 0;
  }

  /**
   * One page of the sessions {@link D1Store.countActiveSince} counts, in order of last use (oldest first),
   * from the activity index. A session used again while you page moves to the end: it may then appear
   * twice, never not at all. Keep calling with `cursor` until it is undefined.
   */
  async activeSince(since: number, options: { now?: number; cursor?: string; limit?: number } = {}): Promise<ActivePage> {
    const { from, to, now } = this.#window(since, optionsOf(options, "activeSince", { now: true, cursor: true, limit: true }).now);
    const limit = pageLimit(options.limit, D1_LIMITS.listLimit);
    let after: [number, string] = [from, ""];
    if (options.cursor !== undefined) {
      const match = typeof options.cursor === "string" ? CURSOR.exec(options.cursor) : null;
      if (!match) throw new SessionConfigError("cursor must be one that activeSince handed out");
      after = [Number(match[1]), this.prefix + options.cursor.slice(match[0].length)];
    }
    const { results } = await this.#run("list", () =>
      this.db
        .prepare(
          `SELECT key, created, last_used, deadline FROM sessions WHERE last_used BETWEEN ?1 AND ?2 AND deadline > ?3 AND (last_used, key) > (?4, ?5)${this.#scope.sql}
           ORDER BY last_used, key LIMIT ${limit + 1}`,
        )
        .bind(from, to, now, ...after, ...this.#scope.bindings)
        .all<{ key: string; created: number; last_used: number; deadline: number }>(),
    );
    const page = results.slice(0, limit);
    const sessions = page.map((row) => ({
      key: row.key.slice(this.prefix.length),
      created: row.created * 1000,
      lastUsed: row.last_used * 1000,
      expires: row.deadline * 1000,
    }));
    const last = page.at(-1);
    return { sessions, cursor: results.length > limit && last ? `${last.last_used}:${last.key.slice(this.prefix.length)}` : undefined };
  }

  /**
   * Sessions by the time of their latest use, in buckets of `bucketSeconds` from `since` (ms, to the
   * second) up to `until` (ms, default now), for a dashboard: every bucket, empty ones as 0, from the
   * activity index alone. A bucket holds its start up to the next one's; the last also holds `until`. A session counts once, in the bucket of its last use; sessions ended by a timeout
   * still count while their row is kept (a day past the deadline, until purged), sessions ended by
   * destroy() or `end` do not. At most 10 000 buckets.
   */
  async activityBuckets(options: { since: number; until?: number; bucketSeconds: number }): Promise<ActivityBucket[]> {
    const {
      since,
      until = this.#now(),
      bucketSeconds: width,
    } = optionsOf(options, "activityBuckets", { since: true, until: true, bucketSeconds: true });
    checkTime(since, "since");
    checkTime(until, "until");
    if (!Number.isSafeInteger(width) || width < 1)
      throw new SessionConfigError("bucketSeconds must be a whole number of seconds, at least 1");
    const start = Math.floor(since / 1000);
    const end = Math.floor(until / 1000);
    const count = Math.max(0, Math.ceil((end - start) / width));
    if (count > D1_LIMITS.buckets)
      throw new SessionConfigError(`activityBuckets would answer ${count} buckets, over ${D1_LIMITS.buckets}: widen the buckets`);
    if (count === 0) return [];
    const { results } = await this.#run("list", () =>
      this.db
        .prepare(
          `SELECT (last_used - CAST(?1 AS INTEGER)) / CAST(?2 AS INTEGER) AS bucket, count(*) AS n FROM sessions WHERE last_used BETWEEN ?1 AND ?3${this.#scope.sql} GROUP BY bucket`,
        )
        .bind(start, width, end, ...this.#scope.bindings)
        .all<{ bucket: number; n: number }>(),
    );
    const buckets = Array.from({ length: count }, (_, i) => ({ start: (start + i * width) * 1000, count: 0 }));
    // D1 binds numbers as REAL: the CAST keeps the division whole. Only a last use at `until` itself, on
    // the boundary after the last bucket, gets a number past it.
    for (const { bucket, n } of results) buckets[Math.min(bucket, count - 1)]!.count += n;
    return buckets;
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
    const { now = this.#now(), batch = 1000, max = 10_000 } = optionsOf(options, "purge", { now: true, batch: true, max: true });
    checkTime(now, "now");
    for (const [name, value] of [
      ["batch", batch],
      ["max", max],
    ] as const) {
      if (!Number.isSafeInteger(value) || value < 1) throw new SessionConfigError(`purge ${name} must be a whole number, at least 1`);
    }
    const nowSeconds = Math.floor(now / 1000);
    let purged = 0;
    while (purged < max) {
      const size = Math.min(batch, max - purged);
      const { meta } = await this.#run("delete", () =>
        this.db
          .prepare(
            `DELETE FROM sessions WHERE key IN (SELECT key FROM sessions WHERE expires <= ?1${this.#scope.sql} ORDER BY expires LIMIT ${size})`,
          )
          .bind(nowSeconds, ...this.#scope.bindings)
          .run(),
      );
      purged += meta.changes;
      if (meta.changes < size) return { purged, more: false };
    }
    return { purged, more: true };
  }

  /** The row key of `key`, checked: a non-empty well-formed string that fits with the prefix. */
  #name(key: string): string {
    return storedKeyName(this.prefix, key, D1_LIMITS.keyBytes, "D1 key");
  }

  /** The bindings ?2 to ?7 of a write: value, expires, deadline, created, last_used, metadata JSON. */
  #row(
    value: unknown,
    ttl: number,
    keep: number,
    given: Record<string, unknown> | undefined,
    session: { created: number; lastUsed: number; expires: number } | undefined,
  ): RowBindings {
    const stored = storedValue(value, D1_LIMITS.valueBytes, "D1 value");
    const metadata = metadataJson(given, D1_LIMITS.metadataBytes, "D1 metadata") ?? null;
    const now = this.#now() / 1000;
    // The session's own deadline is the one its metadata names (what listActiveSessions reads), else the ttl's end.
    const deadline = session?.expires ?? Math.ceil(now + ttl);
    return [stored, Math.ceil(now + ttl + keep), deadline, session?.created ?? null, session?.lastUsed ?? null, metadata];
  }

  #now(): number {
    return checkedNow(this.#clock, "D1Store");
  }

  #seconds(): number {
    return Math.floor(this.#now() / 1000);
  }

  /** The last-used range (seconds) and the time (seconds) of an activity query, checked. */
  #window(since: number, at: number | undefined): { from: number; to: number; now: number } {
    const now = at ?? this.#now();
    checkTime(since, "since");
    checkTime(now, "now");
    return { from: Math.ceil(since / 1000), to: Math.floor((now + CLOCK_SKEW_MS) / 1000), now: Math.floor(now / 1000) };
  }

  /**
   * Runs a D1 call; a D1 failure is a `SessionStoreError` naming the operation (the D1 error is its cause).
   * The library's own errors (a misconfigured clock) pass through as they are.
   */
  async #run<T>(operation: SessionStoreError["operation"], call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (cause) {
      if (cause instanceof SessionError) throw cause;
      throw new SessionStoreError(operation, { cause });
    }
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

/** What a read of a row finds at `now` (seconds). */
function snapshotOf(row: Row | null | undefined, now: number): Snapshot {
  if (!row || row.expires <= now) return { state: "missing" };
  if (row.value === null) return { state: "revoked" };
  return { state: "live", value: row.value, version: row.version };
}

/**
 * The SQL that keeps rows to those whose key starts with `prefix` (a key range, exact for any characters),
 * and its bindings. It goes after every numbered parameter of its query: a plain `?` takes the next number. `+key` keeps SQLite on the index the query is about (activity, expiry) rather than the
 * key's: `column` `"key"` uses the key's own index (listings).
 */
function scopeOf(prefix: string, column: "key" | "+key" = "+key"): { sql: string; bindings: string[] } {
  if (prefix === "") return { sql: "", bindings: [] };
  const end = prefixEnd(prefix);
  return end === undefined
    ? { sql: ` AND ${column} >= ?`, bindings: [prefix] }
    : { sql: ` AND ${column} >= ? AND ${column} < ?`, bindings: [prefix, end] };
}

/**
 * @internal Exported for its tests. The least string greater than every string that starts with `prefix`, in SQLite's order (UTF-8 bytes,
 * which is code point order): the prefix with its last code point raised by one (surrogates skipped), or
 * undefined when every code point is U+10FFFF (no such string).
 */
export function prefixEnd(prefix: string): string | undefined {
  const points = [...prefix].map((c) => c.codePointAt(0)!);
  while (points.length > 0) {
    const last = points.pop()!;
    if (last < 0x10ffff) {
      points.push(last === 0xd7ff ? 0xe000 : last + 1);
      return String.fromCodePoint(...points);
    }
  }
  return undefined;
}

/** `options` when it is an object (what every method takes), else a SessionConfigError naming the method. */
/** The options of a D1Store method, an object; with `known` (the app's own calls), without unknown keys. */
function optionsOf<T>(options: T, method: string, known?: KnownKeys<T>): T {
  if (typeof options !== "object" || options === null) throw new SessionConfigError(`D1Store.${method} needs an options object`);
  if (known) checkKeys(options, known, `D1Store.${method} options`);
  return options;
}

function checkTime(value: unknown, name: string): asserts value is number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > 8.64e15) {
    throw new SessionConfigError(`${name} must be a time in ms since epoch`);
  }
}
