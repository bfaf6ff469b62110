// What the guides' code samples take as given: your app, its bindings, your own functions. Each sample is
// compiled as its own module with these in scope (scripts/check-docs.mjs).
import type { Hono } from "hono";
import type { SessionObjectNamespace, SessionVariables } from "../src/index.js";

declare global {
  namespace Cloudflare {
    interface Env {
      SESSIONS_DB: D1Database;
      SESSIONS: KVNamespace;
      SESSION_SECRET: string;
    }
  }
  interface Env {
    SESSION_SECRET: string;
    OLD_SESSION_SECRET: string;
    STORE_SECRET: string;
    OLD_STORE_SECRET: string;
    SESSIONS: KVNamespace;
    PROFILES: KVNamespace;
    SESSION_OBJECTS: SessionObjectNamespace;
    DB: D1Database;
    SESSIONS_DB: D1Database;
    AUDIT: AnalyticsEngineDataset;
    UPSTASH_REDIS_REST_URL: string;
    UPSTASH_REDIS_REST_TOKEN: string;
  }
  type AppEnv = { Bindings: Env; Variables: SessionVariables<Record<string, any>> };
  const app: Hono<AppEnv>;
  const env: Env;
  function checkPassword(c: unknown): Promise<{ id: string }>;
  function deviceName(userAgent: string | undefined): string;
  function log(what: string): void;
  // Node's, for the README's Node variant (the samples compile with Workers types only).
  const process: { env: Record<string, string | undefined> };
}
