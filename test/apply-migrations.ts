import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

// Every test file starts with the D1 table of edge-session/d1 (migrations/); applying is idempotent.
await applyD1Migrations(env.SESSIONS_DB, env.TEST_MIGRATIONS);
