/**
 * What a Node (or Deno, Bun) project sees of the package root: this file is type-checked against the built
 * dist/index.d.ts by test/node-consumer/tsconfig.json, with Node's types only and skipLibCheck off, so a
 * public type that needs the Workers types (or imports "cloudflare:workers") fails the check.
 */
import { Hono } from "hono";
import {
  DurableObjectStore,
  KVStore,
  listActiveSessions,
  MemoryStore,
  revokeAllSessions,
  session,
  sessionEngine,
  SessionError,
  type KVNamespaceLike,
  type SessionObjectNamespace,
  type SessionVariables,
} from "edge-session";
import { session as cookieSession, sessionEngine as cookieEngine, withSession } from "edge-session/cookie";
import { KVStore as KVStoreFromSubpath } from "edge-session/kv";
import { IDLE_WARNING_SCRIPT_INTEGRITY, idleWarningScript, type IdleWarningOptions } from "edge-session/idle-warning";
import { startIdleWarning, type IdleWarning } from "edge-session/idle-warning/browser";

type Data = { user: string; visits: number };

/** A KV binding is taken structurally: a test double (or a binding typed by another package) needs no cast. */
const kv: KVNamespaceLike = {
  async get() {
    return null;
  },
  async getWithMetadata() {
    return { value: null, metadata: null };
  },
  async put() {},
  async delete() {},
  async list() {
    return { keys: [], list_complete: true as const };
  },
};

/** So is the SessionObject namespace: only `getByName` is called. */
const objects: SessionObjectNamespace = { getByName: () => ({}) };

type Bindings = { SESSION_SECRET: string; SESSIONS: KVNamespaceLike; SESSION_OBJECTS: SessionObjectNamespace };
const app = new Hono<{ Bindings: Bindings; Variables: SessionVariables<Data> }>();
app.use(
  session<Data, { Bindings: Bindings }>({
    secret: (c) => c.env.SESSION_SECRET,
    overflow: (c) => c.env.SESSIONS,
    revocation: { namespace: (c) => c.env.SESSION_OBJECTS },
  }),
);
app.get("/", async (c) => {
  const user: string | undefined = await c.var.session.get("user");
  return c.text(user ?? "stranger");
});

const engine = sessionEngine<Data, { secret: string }>({ secret: (context) => context.secret, store: new KVStore(kv, { prefix: "s:" }) });
const request = engine.start(new Headers(), { secret: "x".repeat(32) });
export const cookies: Promise<string[]> = request.commit();

export const stores = [new KVStoreFromSubpath(kv), new MemoryStore(), new DurableObjectStore(objects, { exclusive: true })];
export const page = listActiveSessions(kv, { limit: 10 });
export const revoked: Promise<number> = revokeAllSessions(objects, "alice");
export const isSessionError = (error: unknown): boolean => error instanceof SessionError;

/** The cookie-only entry: the same functions, typed without the store options. */
const cookieApp = new Hono<{ Bindings: Bindings; Variables: SessionVariables<Data> }>();
cookieApp.use(cookieSession<Data, { Bindings: Bindings }>({ secret: (c) => c.env.SESSION_SECRET, idleTimeout: 300 }));
const cookieSessions = cookieEngine<Data, null>({ secret: "y".repeat(32) });
export const served: Promise<Response> = withSession(cookieSessions, new Request("https://a.example/"), null, () => new Response("ok"));

// The served script is a Hono handler; its options type is the browser module's.
app.get("/session/idle-warning.js", idleWarningScript({ maxAge: 60 }));
export const integrity: string = IDLE_WARNING_SCRIPT_INTEGRITY;
export const warningOptions: IdleWarningOptions = { warnBefore: 120, loginUrl: "/login" };
export const startWarning: (options?: IdleWarningOptions) => IdleWarning = startIdleWarning;
