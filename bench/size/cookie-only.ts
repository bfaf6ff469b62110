// The README's ten lines of Hono (src/index.ts of "A new Worker: the whole project"): a cookie-only app, importing edge-session/cookie. What every cookie-only user pays.
import { Hono } from "hono";
import { session, type SessionVariables } from "../../src/cookie/index.js";

type Env = { Bindings: { SESSION_SECRET: string }; Variables: SessionVariables<{ user: string; visits: number }> };
const app = new Hono<Env>();
app.use(session({ secret: (c) => c.env.SESSION_SECRET, idleTimeout: 300, absoluteTimeout: 8 * 3600 }));

app.get("/", async (c) => {
  const s = c.var.session;
  const visits = ((await s.get("visits")) ?? 0) + 1;
  s.set("visits", visits);
  return c.text(`visit ${visits}`);
});
export default app;
