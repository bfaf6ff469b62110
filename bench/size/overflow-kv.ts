// Cookie sessions that overflow to Workers KV.
import { Hono } from "hono";
import { session, type SessionVariables } from "../../src/index.js";

type Env = { Bindings: { SESSION_SECRET: string; SESSIONS: KVNamespace }; Variables: SessionVariables<{ cart: string[] }> };
const app = new Hono<Env>();
app.use(session({ secret: (c) => c.env.SESSION_SECRET, idleTimeout: 1800, overflow: (c) => c.env.SESSIONS }));
app.get("/", async (c) => c.json((await c.var.session.get("cart")) ?? []));
export default app;
