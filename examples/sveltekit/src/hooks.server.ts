import { env } from "$env/dynamic/private";
import { sessionHandle } from "edge-session/sveltekit";
import { now } from "$lib/clock";

export type SessionData = { user: string; visits: number };

// The session at event.locals.session (typed through App.Locals, src/app.d.ts) in every endpoint, load
// function and form action; its cookie goes on the response once it is rendered.
export const handle = sessionHandle<SessionData>({
  secret: () => env.SESSION_SECRET!,
  idleTimeout: 60,
  now,
});
