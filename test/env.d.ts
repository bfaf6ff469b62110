declare namespace Cloudflare {
  interface Env {
    SESSIONS: KVNamespace;
    SESSION_OBJECTS: DurableObjectNamespace<import("../src/durable-object/object.js").SessionObject>;
    SESSIONS_DB: D1Database;
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    IDLE_TIMEOUT: string;
  }
}
