-- edge-session: the table of D1Store (edge-session/d1). Apply it with wrangler's D1 migrations:
--   wrangler d1 migrations apply <DATABASE_NAME> --local    (then --remote)
-- after copying this file into your migrations directory (default ./migrations), or point
-- `migrations_dir` of the [[d1_databases]] entry in wrangler.toml at a directory holding it.
--
-- No column holds session data in clear: edge-session seals every value (a compact JWE, bound to its key)
-- before it reaches a store. The columns beside the value are the non-secret metadata the admin
-- helpers and the activity queries read. Times are whole seconds since epoch.
CREATE TABLE IF NOT EXISTS sessions (
  -- The store's prefix + the key: the session id (server-side mode) or a random key (overflow).
  key TEXT PRIMARY KEY NOT NULL,
  -- The sealed value; NULL in a tombstone, the row a session ended for good leaves behind.
  value TEXT,
  -- 1 at the first write, +1 at every write or end: what compare-and-swap writes compare.
  version INTEGER NOT NULL,
  -- From this second on the row is a miss; purge() deletes it.
  expires INTEGER NOT NULL,
  -- When the session itself expires (idle or absolute limit); expires adds the day it is kept to say why.
  deadline INTEGER NOT NULL,
  -- From the session's stored metadata; NULL for values that are not sessions, and in tombstones.
  created INTEGER,
  last_used INTEGER,
  -- The metadata given to set(), as JSON (non-secret by contract).
  metadata TEXT
) STRICT;

-- purge(): rows whose time has passed, oldest first.
CREATE INDEX IF NOT EXISTS sessions_by_expiry ON sessions (expires);

-- Activity statistics (who was active since T, in last-use order; sessions per time bucket): answered
-- from this index alone, without reading a value.
CREATE INDEX IF NOT EXISTS sessions_by_activity ON sessions (last_used, key, deadline);
