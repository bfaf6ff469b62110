import { SESSION_SECRET } from "astro:env/server";
import { sessionMiddleware } from "edge-session/astro";
import { now } from "./clock";

export type SessionData = { user: string; visits: number };

// The session at context.locals.session (Astro.locals.session in pages, typed in src/env.d.ts) for every
// on-demand route; its cookie goes on the response once the route rendered.
export const onRequest = sessionMiddleware<SessionData>({ secret: SESSION_SECRET, idleTimeout: 60, now });
