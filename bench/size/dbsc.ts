// Cookie sessions with DBSC device binding (edge-session/dbsc): the registration offer at login, both endpoints, a bound route.
import { Hono } from "hono";
import { bindingEndpoints, deviceBinding, requireBinding } from "../../src/dbsc/index.js";
import { session, type SessionVariables } from "../../src/index.js";

type Env = { Bindings: { SESSION_SECRET: string }; Variables: SessionVariables<{ user: string }> };
const binding = deviceBinding();
const app = new Hono<Env>();
app.use(session({ secret: (c) => c.env.SESSION_SECRET, idleTimeout: 1800 }), bindingEndpoints(binding));
app.post("/login", async (c) => {
  const s = await c.var.session.load();
  s.regenerate();
  s.set("user", "ada");
  const offer = await binding.offer(s);
  if (offer) c.header("Secure-Session-Registration", offer);
  return c.redirect("/account");
});
app.get("/account", requireBinding(binding), async (c) => c.text(`hello ${(await c.var.session.get("user")) ?? "stranger"}`));
export default app;
