// Server-side sessions in Durable Objects, with the device list.
import { Hono } from "hono";
import { DurableObjectStore, listSessions, session, type SessionObjectNamespace, type SessionVariables } from "../../src/index.js";
export { SessionObject } from "../../src/durable-object/index.js";

type Env = { Bindings: { SESSION_SECRET: string; SESSION_OBJECTS: SessionObjectNamespace }; Variables: SessionVariables<{ user: string }> };
const app = new Hono<Env>();
app.use(session({ secret: (c) => c.env.SESSION_SECRET, idleTimeout: 1800, store: (c) => new DurableObjectStore(c.env.SESSION_OBJECTS) }));
app.get("/devices", async (c) => c.json(await listSessions(c.env.SESSION_OBJECTS, (await c.var.session.get("user")) ?? "")));
export default app;
