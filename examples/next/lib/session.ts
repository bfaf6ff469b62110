import { MemoryStore, type Session } from "edge-session";
import { nextSessions } from "edge-session/next";
import { now } from "./clock";

export type SessionData = { user: string; visits: number };

// Sessions live on the server (the cookie holds only their id), so logout ends every copy of the cookie.
// MemoryStore keeps them in this one process (a server with several uses a shared store: Redis), on
// globalThis because Next gives proxy.ts, route handlers and server actions each their own copy of this module.
// Sessions kept in the cookie instead (no store): nextSessionsOver(sessionEngine(...)) with sessionEngine of
// edge-session/cookie bundles no store code (docs/frameworks/next.md).
const shared = globalThis as typeof globalThis & { exampleSessionStore?: MemoryStore };
const store = (shared.exampleSessionStore ??= new MemoryStore({ now }));

export const sessions = nextSessions<SessionData>({
  secret: () => process.env.SESSION_SECRET!,
  store,
  idleTimeout: 60,
  now,
});

/**
 * Why the cookie sent opened no session: it ended (`"idle"`, `"absolute"`; `"missing"` once logged out elsewhere,
 * `"revoked"`) or was refused (tampered, malformed); null when it opened one or there was none.
 */
export async function endedReason(session: Session<SessionData>) {
  const loaded = await session.load();
  return loaded.expired ?? loaded.invalid ?? null;
}
