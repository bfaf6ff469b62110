import { sessionEngine } from "../engine.js";
import type { SessionData } from "../core/envelope.js";
import type { SessionEngine } from "../core/engine.js";
import type { SessionEngineOptions } from "../core/options.js";
import type { Session } from "../core/session.js";
import { checkEngine, withSession } from "../core/with-session.js";
import { parseSetCookie, type NextCookieOptions } from "./set-cookie.js";

export type { NextCookieOptions } from "./set-cookie.js";

/** What a server component may do with `await cookies()` of `next/headers`: read. */
export interface NextReadonlyCookies {
  getAll(): { name: string; value: string }[];
}

/** `await cookies()` of `next/headers` in a server action or a route handler, where it may also set. */
export interface NextCookies extends NextReadonlyCookies {
  set(name: string, value: string, options: NextCookieOptions): unknown;
}

/** The three ways into a session in Next's app router; see {@link nextSessions}. */
export interface NextSessions<Data extends SessionData = SessionData> {
  /**
   * Wraps a route handler (`export const GET = ...`) or the function of `middleware.ts`: the session for the
   * request, its `Set-Cookie` on the handler's response (a copy, `Cache-Control: no-store`).
   */
  route<A extends unknown[]>(
    handler: (request: Request, session: Session<Data>, ...rest: A) => Response | Promise<Response>,
  ): (request: Request, ...rest: A) => Promise<Response>;
  /** In a server action (or a route handler using `cookies()`): runs `use`, then writes the session into `cookies`. */
  run<T>(cookies: NextCookies, use: (session: Session<Data>) => T | Promise<T>): Promise<T>;
  /**
   * In a server component, where cookies cannot be set: runs `use` and writes nothing (a session read here is
   * not rolled; the next action, route handler or middleware request writes it).
   */
  read<T>(cookies: NextReadonlyCookies, use: (session: Session<Data>) => T | Promise<T>): Promise<T>;
}

/**
 * Sessions for Next.js's app router, on the edge runtime or Node: option functions receive nothing
 * (`secret: () => process.env.SESSION_SECRET!`). Build it once in a module of its own and use it from route
 * handlers and `middleware.ts` (`route`), server actions (`run(await cookies(), ...)`) and server components
 * (`read(await cookies(), ...)`).
 *
 * @example
 * ```ts
 * export const sessions = nextSessions<{ user: string }>({ secret: SECRET, idleTimeout: 1800 });
 * // app/api/me/route.ts
 * export const GET = sessions.route(async (_request, session) => Response.json({ user: await session.get("user") }));
 * // a server action: await sessions.run(await cookies(), (session) => session.destroy());
 * ```
 */
export function nextSessions<Data extends SessionData = SessionData>(options: SessionEngineOptions<undefined>): NextSessions<Data> {
  return nextSessionsOver(sessionEngine<Data, undefined>(options));
}

/**
 * {@link nextSessions} over an engine you built: with `sessionEngine` from `edge-session/cookie`, an app that
 * keeps sessions in the cookie bundles no store, overflow or Durable Object code (from `edge-session`, every mode).
 *
 * @example
 * ```ts
 * import { sessionEngine } from "edge-session/cookie";
 *
 * export const sessions = nextSessionsOver(sessionEngine<{ user: string }>({ secret: () => process.env.SESSION_SECRET!, idleTimeout: 1800 }));
 * export const GET = sessions.route(async (_request, session) => Response.json({ user: await session.get("user") }));
 * ```
 */
export function nextSessionsOver<Data extends SessionData>(engine: SessionEngine<Data, undefined>): NextSessions<Data> {
  checkEngine(engine, "nextSessionsOver", "nextSessions");
  // Next's cookies are read (and the Cookie header built again) on the session's first use only, as the other
  // adapters read the request's headers: a server component that renders without the session pays nothing.
  const started = (cookies: NextReadonlyCookies) =>
    engine.start({ get: (name) => (name.toLowerCase() === "cookie" ? cookieHeader(cookies) : null) }, undefined);
  return {
    route:
      (handler) =>
      (request, ...rest) =>
        withSession(engine, request, undefined, (session) => handler(request, session, ...rest)),
    async run(cookies, use) {
      const request = started(cookies);
      let result;
      try {
        result = await use(request.session);
      } catch (error) {
        await request.abort();
        throw error;
      }
      for (const line of await request.commit()) {
        const { name, value, options } = parseSetCookie(line);
        cookies.set(name, value, options);
      }
      return result;
    },
    async read(cookies, use) {
      const request = started(cookies);
      try {
        return await use(request.session);
      } finally {
        await request.abort();
      }
    },
  };
}

/** The request's `Cookie` header again, from Next's parsed cookies (the engine reads only its own names). */
function cookieHeader(cookies: NextReadonlyCookies): string {
  return cookies
    .getAll()
    .map(({ name, value }) => `${name}=${value}`)
    .join("; ");
}
