import { SESSION_SECRET } from "astro:env/server";
import { MemoryStore } from "edge-session";
import { sessionMiddleware } from "edge-session/astro";
import { now } from "./clock";

export type SessionData = { user: string; visits: number };

// The session at context.locals.session (Astro.locals.session in pages, typed in src/env.d.ts) for every
// on-demand route; its cookie goes on the response once the route rendered. Sessions live on the server (the
// cookie holds only their id), so logout ends every copy of the cookie. MemoryStore keeps them in this one
// process: a server with several processes uses a shared store (edge-session/redis).
// Sessions kept in the cookie instead (no store): sessionMiddlewareOver(sessionEngine(...)) with sessionEngine of
// edge-session/cookie bundles no store code (docs/frameworks/astro.md).
export const onRequest = sessionMiddleware<SessionData>({ secret: SESSION_SECRET, store: new MemoryStore({ now }), idleTimeout: 60, now });
