/**
 * `edge-session/d1`: sessions in a D1 database, with versioned writes and activity statistics in SQL.
 * The table comes from `migrations/0001_sessions.sql` (also {@link D1_SCHEMA}).
 *
 * @example
 * ```ts
 * import { D1Store } from "edge-session/d1";
 * app.use(session({ secret: (c) => c.env.SESSION_SECRET, idleTimeout: 1800, store: (c) => new D1Store(c.env.SESSIONS_DB) }));
 * ```
 */
export { D1Store, isD1Database, type D1StoreOptions } from "./d1-store.js";
export { D1_LIMITS, D1_SCHEMA } from "./d1-table.js";
export type { ActivePage, ActivityBucket } from "./d1-activity.js";
