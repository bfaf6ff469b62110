// Next.js app router (edge-session/next): a route handler; next itself stays external.
import { nextSessions } from "../../src/next/index.js";

declare const process: { env: { SESSION_SECRET: string } };
export const sessions = nextSessions<{ user: string }>({ secret: () => process.env.SESSION_SECRET, idleTimeout: 1800 });
export const GET = sessions.route(async (_request, session) => Response.json({ user: (await session.get("user")) ?? null }));
