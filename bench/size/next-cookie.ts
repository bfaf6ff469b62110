// Next.js route handler over a cookie-only engine (nextSessionsOver + edge-session/cookie); next stays external.
import { sessionEngine } from "../../src/cookie/index.js";
import { nextSessionsOver } from "../../src/next/index.js";

declare const process: { env: { SESSION_SECRET: string } };
export const sessions = nextSessionsOver(sessionEngine<{ user: string }>({ secret: () => process.env.SESSION_SECRET, idleTimeout: 1800 }));
export const GET = sessions.route(async (_request, session) => Response.json({ user: (await session.get("user")) ?? null }));
