import { SessionConfigError } from "../core/errors.js";
import { CLOCK_SKEW_MS } from "../core/expiry.js";
import { storeCall } from "../stores/store.js";
import type { ActiveSession } from "../stores/stored-session.js";
import { checkTime, methodOptions, pageLimit } from "../stores/store-checks.js";
import { D1_LIMITS, type D1Table } from "./d1-table.js";

/**
 * D1Store's reporting queries (activity counts, pages and buckets for admin pages and dashboards) and its
 * purge: all read the table's indexes only, never a value.
 */

/** One page of `D1Store.activeSince`. */
export interface ActivePage {
  /** In order of last use, oldest first (then by key). */
  sessions: ActiveSession[];
  /** Pass it back for the next page; `undefined` on the last page. */
  cursor?: string | undefined;
}

/** One bucket of `D1Store.activityBuckets`. */
export interface ActivityBucket {
  /** ms since epoch: the bucket holds sessions last used from here to the next bucket's start. */
  start: number;
  count: number;
}

const CURSOR = /^(\d{1,15}):/;

/**
 * The sessions used at or after `since` and not expired at `now`, counted over the activity index.
 *
 * @example
 * ```ts
 * const n = await countActive(table, Date.now() - 3600_000, {});
 * ```
 */
export async function countActive(table: D1Table, since: number, options: { now?: number }): Promise<number> {
  const { from, to, now } = windowOf(table, since, methodOptions(options, "D1Store.countActiveSince", { now: true }).now);
  const row = await storeCall("list", () =>
    table.db
      .prepare(`SELECT count(*) AS n FROM sessions WHERE last_used BETWEEN ?1 AND ?2 AND deadline > ?3${table.scope.sql}`)
      .bind(from, to, now, ...table.scope.bindings)
      .first<{ n: number }>(),
  );
  return row?.n ?? 0;
}

/**
 * One page of the sessions {@link countActive} counts, in order of last use, oldest first.
 *
 * @example
 * ```ts
 * const { sessions, cursor } = await activePage(table, Date.now() - 3600_000, { limit: 100 });
 * ```
 */
export async function activePage(
  table: D1Table,
  since: number,
  options: { now?: number; cursor?: string; limit?: number },
): Promise<ActivePage> {
  const known = { now: true, cursor: true, limit: true } as const;
  const { from, to, now } = windowOf(table, since, methodOptions(options, "D1Store.activeSince", known).now);
  const limit = pageLimit(options.limit, D1_LIMITS.listLimit);
  let after: [number, string] = [from, ""];
  if (options.cursor !== undefined) {
    const match = typeof options.cursor === "string" ? CURSOR.exec(options.cursor) : null;
    if (!match) throw new SessionConfigError("cursor must be one that activeSince handed out");
    after = [Number(match[1]), table.prefix + options.cursor.slice(match[0].length)];
  }
  const { results } = await storeCall("list", () =>
    table.db
      .prepare(
        `SELECT key, created, last_used, deadline FROM sessions WHERE last_used BETWEEN ?1 AND ?2 AND deadline > ?3 AND (last_used, key) > (?4, ?5)${table.scope.sql}
         ORDER BY last_used, key LIMIT ${limit + 1}`,
      )
      .bind(from, to, now, ...after, ...table.scope.bindings)
      .all<{ key: string; created: number; last_used: number; deadline: number }>(),
  );
  const page = results.slice(0, limit);
  const sessions = page.map((row) => ({
    key: row.key.slice(table.prefix.length),
    created: row.created * 1000,
    lastUsed: row.last_used * 1000,
    expires: row.deadline * 1000,
  }));
  const last = page.at(-1);
  return { sessions, cursor: results.length > limit && last ? `${last.last_used}:${last.key.slice(table.prefix.length)}` : undefined };
}

/**
 * Sessions by the time of their latest use, in buckets of `bucketSeconds` from `since` up to `until`.
 *
 * @example
 * ```ts
 * const buckets = await bucketActivity(table, { since: Date.now() - 86_400_000, bucketSeconds: 3600 });
 * ```
 */
export async function bucketActivity(
  table: D1Table,
  options: { since: number; until?: number; bucketSeconds: number },
): Promise<ActivityBucket[]> {
  const known = { since: true, until: true, bucketSeconds: true } as const;
  const { since, until = table.now(), bucketSeconds: width } = methodOptions(options, "D1Store.activityBuckets", known);
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
  const { results } = await storeCall("list", () =>
    table.db
      .prepare(
        `SELECT (last_used - CAST(?1 AS INTEGER)) / CAST(?2 AS INTEGER) AS bucket, count(*) AS n FROM sessions WHERE last_used BETWEEN ?1 AND ?3${table.scope.sql} GROUP BY bucket`,
      )
      .bind(start, width, end, ...table.scope.bindings)
      .all<{ bucket: number; n: number }>(),
  );
  const buckets = Array.from({ length: count }, (_, i) => ({ start: (start + i * width) * 1000, count: 0 }));
  // D1 binds numbers as REAL: the CAST keeps the division whole. Only a last use at `until` itself, on
  // the boundary after the last bucket, gets a number past it.
  for (const { bucket, n } of results) buckets[Math.min(bucket, count - 1)]!.count += n;
  return buckets;
}

/**
 * Deletes the table's rows whose time has passed, oldest first, in statements of at most `batch` rows and at
 * most `max` rows per call.
 *
 * @example
 * ```ts
 * const { purged, more } = await purgeRows(table, { batch: 500 });
 * ```
 */
export async function purgeRows(
  table: D1Table,
  options: { now?: number; batch?: number; max?: number },
): Promise<{ purged: number; more: boolean }> {
  const { now = table.now(), batch = 1000, max = 10_000 } = methodOptions(options, "D1Store.purge", { now: true, batch: true, max: true });
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
    const { meta } = await storeCall("delete", () =>
      table.db
        .prepare(
          `DELETE FROM sessions WHERE key IN (SELECT key FROM sessions WHERE expires <= ?1${table.scope.sql} ORDER BY expires LIMIT ${size})`,
        )
        .bind(nowSeconds, ...table.scope.bindings)
        .run(),
    );
    purged += meta.changes;
    if (meta.changes < size) return { purged, more: false };
  }
  return { purged, more: true };
}

/** The last-used range (seconds) and the time (seconds) of an activity query, checked. */
function windowOf(table: D1Table, since: number, at: number | undefined): { from: number; to: number; now: number } {
  const now = at ?? table.now();
  checkTime(since, "since");
  checkTime(now, "now");
  return { from: Math.ceil(since / 1000), to: Math.floor((now + CLOCK_SKEW_MS) / 1000), now: Math.floor(now / 1000) };
}
