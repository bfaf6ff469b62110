// Switching from iron-session (edge-session/migrate) on the framework-free engine: a plain fetch handler, no Hono.
import { sessionEngine, withSession } from "../../src/index.js";
import { ironSession, migrateSession } from "../../src/migrate/index.js";

type Env = { SESSION_SECRET: string; IRON_PASSWORD: string };
const sessions = sessionEngine<{ user: string }, Env>({ secret: (env) => env.SESSION_SECRET, idleTimeout: 1800 });

export default {
  fetch: (request: Request, env: Env) =>
    withSession(sessions, request, env, async (session) => {
      const { setCookies } = await migrateSession(
        request.headers,
        session,
        ironSession({ cookieName: "my_app", password: env.IRON_PASSWORD }),
      );
      const response = new Response(`hello ${(await session.get("user")) ?? "stranger"}`);
      for (const line of setCookies) response.headers.append("Set-Cookie", line);
      return response;
    }),
};
