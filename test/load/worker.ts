/**
 * The Worker `npm run test:load` drives: a login that stores a user, and an authenticated counter. Every
 * response says whose session it served and how many requests it has seen, so the load script can check that
 * no request saw another user's data and no write was lost.
 */
import { Hono } from "hono";
import { DurableObjectStore, session, type SessionObjectNamespace, type SessionVariables } from "../../src/index.js";

// The Durable Object class behind LOAD_MODE=do, bound in wrangler.toml.
export { SessionObject } from "../../src/durable-object/index.js";

type Bindings = { SESSION_SECRET: string; MODE: string; SESSIONS: KVNamespace; SESSION_OBJECTS: SessionObjectNamespace };
type Data = { user: string; count: number };

type Env = { Bindings: Bindings };
const inCookie = session<Data, Env>({ secret: (c) => c.env.SESSION_SECRET, idleTimeout: 600 });
const inKV = session<Data, Env>({ secret: (c) => c.env.SESSION_SECRET, idleTimeout: 600, store: (c) => c.env.SESSIONS });
const inObjects = session<Data, Env>({
  secret: (c) => c.env.SESSION_SECRET,
  idleTimeout: 600,
  store: (c) => new DurableObjectStore(c.env.SESSION_OBJECTS),
});

const app = new Hono<Env & { Variables: SessionVariables<Data> }>();
// MODE (wrangler --var) picks where sessions live: "cookie" (default), "store" (server-side, local KV) or "do"
// (server-side, one Durable Object per session: versioned writes).
app.use((c, next) => (c.env.MODE === "store" ? inKV : c.env.MODE === "do" ? inObjects : inCookie)(c, next));

app.get("/", (c) => c.text("ok")); // readiness probe: never touches the session

app.post("/login", async (c) => {
  const user = await c.req.text();
  const s = c.var.session;
  s.regenerate();
  s.set("user", user);
  s.set("count", 0);
  return c.json({ user, count: 0 });
});

app.get("/me", async (c) => {
  const s = c.var.session;
  const user = await s.get("user");
  if (user === undefined) return c.json({ error: "no session", invalid: (await s.load()).invalid ?? null }, 401);
  const count = ((await s.get("count")) ?? 0) + 1;
  s.set("count", count);
  return c.json({ user, count });
});

/** Read-only view for the integrity pass after the run. */
app.get("/check", async (c) => {
  const s = c.var.session;
  return c.json({ user: (await s.get("user")) ?? null, count: (await s.get("count")) ?? null });
});

export default app;
