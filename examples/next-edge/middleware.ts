import { MemoryStore } from "edge-session";
import { nextSessions } from "edge-session/next";

// middleware.ts: Next 16 still runs it on the edge runtime (its successor, proxy.ts, runs on Node), in a
// sandbox of its own that shares nothing in memory with route handlers or server actions. Here it answers
// every route of the app, so one MemoryStore in this module holds the sessions (one process: a deployment
// with several instances uses a store they all reach, Upstash Redis over REST from edge-session/redis; an app
// without one keeps sessions in the cookie: nextSessionsOver(sessionEngine(...)) of edge-session/cookie).

type SessionData = { user: string; visits: number };

// The session's clock: real time plus an offset that only the test-only route /__clock moves
// (EXAMPLE_TEST_CLOCK=1), so the HTTP scenario can let a session go idle without waiting.
let offset = 0;
const now = () => Date.now() + offset;

const sessions = nextSessions<SessionData>({
  secret: () => process.env.SESSION_SECRET!,
  store: new MemoryStore({ now }),
  idleTimeout: 60,
  now,
});

/** The runtime answering: `EdgeRuntime` is a global of Next's edge runtime only. */
const runtime = typeof (globalThis as { EdgeRuntime?: unknown }).EdgeRuntime === "string" ? "edge" : "node";

export const middleware = sessions.route(async (request, session) => {
  const url = new URL(request.url);
  const headers = { "X-Example-Runtime": runtime };
  switch (`${request.method} ${url.pathname}`) {
    case "GET /count": {
      const visits = ((await session.get("visits")) ?? 0) + 1;
      session.set("visits", visits);
      return Response.json({ visits }, { headers });
    }
    case "POST /login": {
      const body = request.headers.get("Content-Type")?.startsWith("application/json")
        ? await request.json()
        : Object.fromEntries(await request.formData());
      const user = body?.user;
      if (typeof user !== "string" || !user) return Response.json({ error: "user is required" }, { status: 400, headers });
      // A new session id at login (no session fixation): the old cookie no longer opens this session.
      session.regenerate();
      session.set("user", user);
      return Response.json({ user }, { headers });
    }
    case "GET /me": {
      // Why the cookie sent opened no session: "idle", "absolute", "missing" (logged out elsewhere), a refusal.
      const loaded = await session.load();
      return Response.json({ user: (await session.get("user")) ?? null, ended: loaded.expired ?? loaded.invalid ?? null }, { headers });
    }
    case "POST /logout":
      session.destroy();
      return Response.json({ ok: true }, { headers });
    case "POST /__clock":
      // Test-only: not there (404) unless EXAMPLE_TEST_CLOCK=1. The session is not touched: no cookie.
      if (process.env.EXAMPLE_TEST_CLOCK !== "1") return new Response("Not Found", { status: 404 });
      offset += Number(url.searchParams.get("advance") ?? 0) * 1000;
      return Response.json({ ok: true }, { headers });
  }
  return new Response("Not Found", { status: 404 });
});

export const config = { matcher: ["/count", "/login", "/me", "/logout", "/__clock"] };
