import { CLOCK_SKEW_MS } from "../core/expiry.js";
import type { Snapshot } from "../stores/versioned.js";
import type { StoredRecord } from "../stores/versioned-checks.js";

/** D1Store's table: its schema and limits, the statements its writes share, and the prefix scope of its queries. */

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
 * What a query runs over: the database, the store's prefix with the SQL that keeps a query to it, and the
 * store's clock (ms, checked).
 *
 * @example
 * ```ts
 * const table: D1Table = { db: env.SESSIONS_DB, prefix: "", scope: scopeOf(""), now: Date.now };
 * ```
 */
export interface D1Table {
  db: D1Database;
  prefix: string;
  scope: { sql: string; bindings: string[] };
  now: () => number;
}

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

/** The clock skew the server tolerates, in seconds: a tombstone outlives its session's deadline by this much. */
export const SKEW = Math.ceil(CLOCK_SKEW_MS / 1000);

/** The columns a write sets, in the order of its bindings ?1 to ?7. */
export const WRITE = `INSERT INTO sessions (key, value, version, expires, deadline, created, last_used, metadata) VALUES (?1, ?2, 1, ?3, ?4, ?5, ?6, ?7)
  ON CONFLICT (key) DO UPDATE SET value = excluded.value, version = sessions.version + 1, expires = excluded.expires,
  deadline = excluded.deadline, created = excluded.created, last_used = excluded.last_used, metadata = excluded.metadata`;

/** A write of a new key (as WRITE with expected 0, ?8 now) made only while the row ?9 holds a live session. */
export const REPLACE = `${WRITE.replace(
  "VALUES (?1, ?2, 1, ?3, ?4, ?5, ?6, ?7)",
  "SELECT ?1, ?2, 1, ?3, ?4, ?5, ?6, ?7 WHERE EXISTS (SELECT 1 FROM sessions WHERE key = ?9 AND value IS NOT NULL AND expires > ?8)",
)} WHERE sessions.expires <= ?8 RETURNING version`;

/** Ends the row ?1 at ?2 (seconds): a tombstone until the session's deadline + ?3 (a tombstone keeps its end). */
export const END = `UPDATE sessions SET value = NULL, metadata = NULL, created = NULL, last_used = NULL, version = version + 1,
  expires = max(?2, CASE WHEN value IS NULL THEN expires ELSE deadline + ?3 END) WHERE key = ?1`;

/** The bindings ?2 to ?7 of a write: value, expires, deadline, created, last_used, metadata JSON. */
export type RowBindings = [string, number, number, number | null, number | null, string | null];

/**
 * The bindings ?2 to ?7 of the write of `record`.
 *
 * @example
 * ```ts
 * db.prepare(WRITE).bind(name, ...rowBindings(record));
 * ```
 */
export function rowBindings(record: StoredRecord): RowBindings {
  return [record.value, record.expires, record.deadline, record.created ?? null, record.lastUsed ?? null, record.metadata ?? null];
}

/** What a read of a row holds. */
export interface Row {
  value: string | null;
  version: number;
  expires: number;
}

/**
 * What a read of a row finds at `now` (seconds).
 *
 * @example
 * ```ts
 * const snapshot = snapshotOf(await db.prepare(READ).bind(name).first<Row>(), now);
 * ```
 */
export function snapshotOf(row: Row | null | undefined, now: number): Snapshot {
  if (!row || row.expires <= now) return { state: "missing" };
  if (row.value === null) return { state: "revoked" };
  return { state: "live", value: row.value, version: row.version };
}

/**
 * The SQL that keeps rows to those whose key starts with `prefix` (a key range, exact for any characters),
 * and its bindings. It goes after every numbered parameter of its query: a plain `?` takes the next number. `+key` keeps SQLite on the index the query is about (activity, expiry) rather than the
 * key's: `column` `"key"` uses the key's own index (listings).
 */
export function scopeOf(prefix: string, column: "key" | "+key" = "+key"): { sql: string; bindings: string[] } {
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
