import { sessionEngine } from "../engine.js";
import type { SessionData } from "../core/envelope.js";
import type { SessionEngine } from "../core/engine.js";
import type { SessionEngineOptions } from "../core/options.js";
import type { Session } from "../core/session.js";
import { checkEngine, sessionMiddlewareOver as middlewareOver } from "../core/with-session.js";

/**
 * The app's context key, `createContext<Session<Data>>()` of `react-router` (this entry point imports nothing of
 * `react-router`): the session's data type comes from it.
 */
export interface SessionContextKey<Data extends SessionData> {
  defaultValue?: Session<Data> | undefined;
}

/** What a React Router middleware receives: the request and the router context (`RouterContextProvider`). */
export interface MiddlewareArgsLike {
  request: Request;
  context: { set(key: never, value: never): void };
}

/** The middleware {@link sessionMiddleware} returns: an entry of a route's `middleware` array. */
export type RouterSessionMiddleware<A extends MiddlewareArgsLike = MiddlewareArgsLike> = (
  args: A,
  next: () => Promise<Response>,
) => Promise<Response>;

/**
 * React Router v7 middleware (framework mode, `future.v8_middleware`): the session under the app's context key,
 * read in loaders and actions with `context.get(sessionContext)`, committed after the response is made,
 * its `Set-Cookie` on the response. Option functions receive the middleware's arguments
 * (`secret: ({ context }) => context.get(cloudflareContext).env.SESSION_SECRET`). Put it in the root route's
 * `middleware` so every loader and action of a request shares one session.
 *
 * @example
 * ```ts
 * export const sessionContext = createContext<Session<{ user: string }>>();
 * export const middleware = [sessionMiddleware(sessionContext, { secret: SECRET, idleTimeout: 1800 })];
 * // a loader: const user = await context.get(sessionContext).get("user");
 * ```
 */
export function sessionMiddleware<Data extends SessionData = SessionData, A extends MiddlewareArgsLike = MiddlewareArgsLike>(
  key: SessionContextKey<Data>,
  options: SessionEngineOptions<A>,
): RouterSessionMiddleware<A> {
  return sessionMiddlewareOver(key, sessionEngine<Data, A>(options));
}

/**
 * {@link sessionMiddleware} over an engine you built: with `sessionEngine` from `edge-session/cookie`, an app
 * that keeps sessions in the cookie bundles no store, overflow or Durable Object code (from `edge-session`,
 * every mode).
 *
 * @example
 * ```ts
 * import { sessionEngine } from "edge-session/cookie";
 *
 * export const sessionContext = createContext<Session<{ user: string }>>();
 * export const middleware = [sessionMiddlewareOver(sessionContext, sessionEngine<{ user: string }>({ secret: SECRET, idleTimeout: 1800 }))];
 * ```
 */
export function sessionMiddlewareOver<Data extends SessionData, A extends MiddlewareArgsLike = MiddlewareArgsLike>(
  key: SessionContextKey<Data>,
  engine: SessionEngine<Data, A>,
): RouterSessionMiddleware<A> {
  checkEngine(engine, "sessionMiddlewareOver", "sessionMiddleware");
  return middlewareOver(engine, (args, session) => args.context.set(key as never, session as never));
}
