/**
 * Sessions in a plain Worker: no framework, `export default { fetch }`. The engine is built once per isolate
 * (options validated then); `withSession` runs one request through it.
 *
 *   GET  /       how many times this browser came back, and since when
 *   POST /logout ends the session
 */
// A real app imports from "edge-session/cookie" (cookie sessions only: the smallest bundle); this example uses
// the source next door.
import { sessionEngine, withSession } from "../../src/cookie/index.js";

export interface Env {
  SESSION_SECRET: string;
}

type Visits = { visits: number };

const sessions = sessionEngine<Visits, Env>({
  secret: (env) => env.SESSION_SECRET,
  idleTimeout: 15 * 60,
  absoluteTimeout: 8 * 3600,
});

export default {
  fetch: (request, env) =>
    withSession(sessions, request, env, async (session) => {
      if (request.method === "POST" && new URL(request.url).pathname === "/logout") {
        session.destroy();
        return new Response("Logged out.\n");
      }
      const visits = ((await session.get("visits")) ?? 0) + 1;
      session.set("visits", visits);
      const since = new Date(session.meta.created).toISOString();
      return new Response(`Visit ${visits} since ${since}${session.expired ? ` (the last session ended: ${session.expired})` : ""}\n`);
    }),
} satisfies ExportedHandler<Env>;
