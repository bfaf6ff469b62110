import { createContext } from "react-router";
import { MemoryStore, type Session } from "edge-session";
import { sessionMiddleware } from "edge-session/react-router";
import { now } from "./clock";

export type SessionData = { user: string; visits: number };

// Loaders and actions read the session with `context.get(sessionContext)`.
export const sessionContext = createContext<Session<SessionData>>();

// Sessions live on the server (the cookie holds only their id), so logout ends every copy of the cookie.
// MemoryStore keeps them in this one process: a server with several processes uses a shared store (Redis).
// Sessions kept in the cookie instead (no store): sessionMiddlewareOver(sessionContext, sessionEngine(...)) with
// sessionEngine of edge-session/cookie bundles no store code (docs/frameworks/react-router.md).
export const session = sessionMiddleware(sessionContext, {
  secret: () => process.env.SESSION_SECRET!,
  store: new MemoryStore({ now }),
  idleTimeout: 60,
  now,
});

/**
 * Why the cookie sent opened no session: it ended (`"idle"`, `"absolute"`; `"missing"` once logged out elsewhere,
 * `"revoked"`) or was refused (tampered, malformed); null when it opened one or there was none.
 */
export async function endedReason(current: Session<SessionData>) {
  const loaded = await current.load();
  return loaded.expired ?? loaded.invalid ?? null;
}
