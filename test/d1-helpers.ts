import { env } from "cloudflare:workers";
import { D1Store, type D1StoreOptions } from "../src/d1/index.js";

/**
 * A D1Store over the test database (migrations/ applied by test/apply-migrations.ts), under a prefix of its
 * own: test files share one table, and a store lists, counts and purges only its own prefix.
 */
export function d1Store(options: D1StoreOptions = {}): D1Store {
  return new D1Store(env.SESSIONS_DB, { prefix: `test-${crypto.randomUUID()}:`, ...options });
}

/** The raw row of a key of `store`, as D1 holds it. */
export function rowOf(store: D1Store, key: string) {
  return env.SESSIONS_DB.prepare("SELECT * FROM sessions WHERE key = ?")
    .bind(store.prefix + key)
    .first<{
      key: string;
      value: string | null;
      version: number;
      expires: number;
      deadline: number;
      created: number | null;
      last_used: number | null;
      metadata: string | null;
    }>();
}
