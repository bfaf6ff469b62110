declare namespace Cloudflare {
  interface Env {
    SESSIONS: KVNamespace;
    SESSION_OBJECTS: DurableObjectNamespace<import("../src/durable-object/object.js").SessionObject>;
    SESSIONS_DB: D1Database;
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    /** "on" when redis-server runs for the Redis tests, "off" when it is missing (vitest.config.ts). */
    TEST_REDIS: "on" | "off";
    IDLE_TIMEOUT: string;
  }
}
