import { env } from "$env/dynamic/private";
import { MemoryStore } from "edge-session";
import { sessionHandle } from "edge-session/sveltekit";
import { now } from "$lib/clock";

export type SessionData = { user: string; visits: number };

// The session at event.locals.session (typed through App.Locals, src/app.d.ts) in every endpoint, load
// function and form action; its cookie goes on the response once it is rendered. Sessions live on the server
// (the cookie holds only their id), so logout ends every copy of the cookie. MemoryStore keeps them in this
// one process: a server with several processes uses a shared store (edge-session/redis).
// Sessions kept in the cookie instead (no store): sessionHandleOver(sessionEngine(...)) with sessionEngine of
// edge-session/cookie bundles no store code (docs/frameworks/sveltekit.md).
export const handle = sessionHandle<SessionData>({
  secret: () => env.SESSION_SECRET!,
  store: new MemoryStore({ now }),
  idleTimeout: 60,
  now,
});
