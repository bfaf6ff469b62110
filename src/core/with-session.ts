import type { SessionData } from "./envelope.js";
import { SessionConfigError, SessionError } from "./errors.js";
import { logProgrammerError } from "./report.js";
import type { Session } from "./session.js";
import type { SessionEngine } from "./engine.js";

/**
 * Runs a `fetch` handler with a session: the whole request cycle of a plain Worker (`export default { fetch }`)
 * or any framework that speaks `Request`/`Response`. The handler's response goes out with the session's
 * `Set-Cookie` (and `Cache-Control: no-store`) on a copy, never on the Response object itself, which the handler
 * may share between requests. A `SessionError` (a store that is down, a session too large) becomes its safe
 * default response (`error.getResponse()`: no session data, no handler headers, never cached); other errors
 * are rethrown.
 *
 * @example
 * ```ts
 * const sessions = sessionEngine<{ count: number }, Env>({ secret: (env) => env.SESSION_SECRET, idleTimeout: 300 });
 *
 * export default {
 *   fetch: (request, env) =>
 *     withSession(sessions, request, env, async (session) => {
 *       const count = ((await session.get("count")) ?? 0) + 1;
 *       session.set("count", count);
 *       return new Response(`visits: ${count}`);
 *     }),
 * } satisfies ExportedHandler<Env>;
 * ```
 */
export async function withSession<Data extends SessionData, C>(
  engine: SessionEngine<Data, C>,
  request: Request,
  context: C,
  handler: (session: Session<Data>) => Response | Promise<Response>,
): Promise<Response> {
  // The headers are read on the session's first use only: workerd makes a request's Headers object on its
  // first read (about 0.8 us), which a route that never touches the session need not pay for.
  const started = engine.start({ get: (name) => request.headers.get(name) }, context);
  let response: Response;
  let setCookies: string[];
  try {
    try {
      response = await handler(started.session);
    } catch (error) {
      await started.abort();
      throw error;
    }
    setCookies = await started.commit();
  } catch (error) {
    if (!(error instanceof SessionError)) throw error;
    logProgrammerError(error); // a mistake in the handler (`session.id` before `load()`) must not be a silent 500
    return error.getResponse();
  }
  return setCookies.length ? withCookies(response, setCookies) : response;
}

/**
 * Throws {@link SessionConfigError} unless `engine` is what `sessionEngine()` returns: an adapter's form over an
 * engine is checked when the app builds it, not on its first request (options handed to it by mistake would
 * otherwise fail there, as a bare TypeError).
 *
 * @example
 * ```ts
 * checkEngine(engine, "nextSessionsOver", "nextSessions");
 * ```
 */
export function checkEngine(engine: unknown, adapter: string, optionsForm: string): void {
  if (typeof (engine as Partial<SessionEngine> | null)?.start !== "function") {
    throw new SessionConfigError(
      `${adapter}() takes a session engine (sessionEngine() of edge-session/cookie or edge-session); with options, call ${optionsForm}(options)`,
    );
  }
}

/**
 * A fetch-style framework middleware (Astro's, React Router's) over `engine`: each call runs {@link withSession}
 * on the request in the middleware's arguments, hands the session to `attach` (where the framework's handlers
 * find it), and answers `next()`'s response with the session committed.
 *
 * @example
 * ```ts
 * const middleware = sessionMiddlewareOver(engine, (context, session) => {
 *   context.locals.session = session;
 * });
 * ```
 */
export function sessionMiddlewareOver<Data extends SessionData, A extends { request: Request }>(
  engine: SessionEngine<Data, A>,
  attach: (args: A, session: Session<Data>) => void,
): (args: A, next: () => Promise<Response>) => Promise<Response> {
  return (args, next) =>
    withSession(engine, args.request, args, (session) => {
      attach(args, session);
      return next();
    });
}

/**
 * A copy of `response` with the `Set-Cookie` values appended and `Cache-Control: no-store` (a shared cache
 * must never store and replay a Set-Cookie; a stricter `no-store` policy of the app's stays). A copy: the
 * original may be shared between requests (a module-level redirect) or immutable (`fetch()`, `Response.redirect()`).
 */
export function withCookies(response: Response, setCookies: readonly string[]): Response {
  const copy = new Response(response.body, response);
  addCookies(copy.headers, setCookies);
  return copy;
}

/** Appends the `Set-Cookie` values to `headers` and makes them `Cache-Control: no-store` (see {@link withCookies}). */
export function addCookies(headers: Headers, setCookies: readonly string[]): void {
  for (const value of setCookies) headers.append("Set-Cookie", value);
  const cacheControl = headers.get("Cache-Control");
  if (!cacheControl || !/\bno-store\b/i.test(cacheControl)) headers.set("Cache-Control", "no-store");
}
