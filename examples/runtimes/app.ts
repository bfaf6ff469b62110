/**
 * The Hono app that examples/runtimes/node.ts, bun.ts and deno.ts serve: the same code on every runtime, only
 * the server and where the secret comes from differ.
 *
 *   GET  /        how many times this browser came back, and since when
 *   POST /logout  ends the session
 */
import { Hono } from "hono";
// A real app imports from "edge-session"; the examples use the source next door.
import { session, type SessionVariables } from "../../src/index.js";

type Visits = { visits: number };

/** The app, with sessions sealed by `secret` (at least 32 characters: `openssl rand -base64 32`). */
export function visitsApp(secret: string | undefined) {
  if (!secret) throw new Error("SESSION_SECRET is not set (generate one with `openssl rand -base64 32`)");
  const app = new Hono<{ Variables: SessionVariables<Visits> }>();
  app.use(session<Visits>({ secret, idleTimeout: 15 * 60, absoluteTimeout: 8 * 3600 }));
  app.get("/", async (c) => {
    const s = c.var.session;
    const visits = ((await s.get("visits")) ?? 0) + 1;
    s.set("visits", visits);
    return c.text(`Visit ${visits} since ${new Date(s.meta.created).toISOString()}\n`);
  });
  app.post("/logout", (c) => {
    c.var.session.destroy();
    return c.text("Logged out.\n");
  });
  return app;
}
