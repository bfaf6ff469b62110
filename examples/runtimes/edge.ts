/**
 * A Vercel Edge Function with the plain engine (no framework): `api/visits.ts` in a Vercel project, with
 * SESSION_SECRET set in the project's environment variables.
 */
import { sessionEngine, withSession } from "../../src/index.js";

declare const process: { env: Record<string, string | undefined> }; // Vercel's Edge Runtime provides process.env

export const config = { runtime: "edge" };

const secret = process.env.SESSION_SECRET;
if (!secret) throw new Error("SESSION_SECRET is not set (generate one with `openssl rand -base64 32`)");
const sessions = sessionEngine<{ visits: number }, null>({
  secret,
  idleTimeout: 15 * 60,
  absoluteTimeout: 8 * 3600,
});

export default (request: Request) =>
  withSession(sessions, request, null, async (session) => {
    if (request.method === "POST" && new URL(request.url).pathname.endsWith("/logout")) {
      session.destroy();
      return new Response("Logged out.\n");
    }
    const visits = ((await session.get("visits")) ?? 0) + 1;
    session.set("visits", visits);
    return new Response(`Visit ${visits} since ${new Date(session.meta.created).toISOString()}\n`);
  });
