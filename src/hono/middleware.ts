import type { Context, Env, MiddlewareHandler } from "hono";
import { sessionEngine } from "../core/engine.js";
import type { SessionEngineOptions } from "../core/options.js";
import { withCookies } from "../core/with-session.js";
import type { SessionData } from "../core/envelope.js";
import type { Session } from "../core/session.js";

/**
 * Options of {@link session}: those of the engine, with option functions receiving Hono's context, typed by
 * the app's `Env` (`secret: (c) => c.env.SESSION_SECRET` needs no cast).
 */
export type SessionOptions<E extends Env = any> = SessionEngineOptions<Context<E>>;

/** The context variables the middleware sets: `c.var.session`. */
export interface SessionVariables<Data extends SessionData = SessionData> {
  session: Session<Data>;
}

/**
 * Hono middleware: sealed, server-enforced sessions at `c.var.session`. A thin adapter over the framework-free
 * {@link sessionEngine}; options are validated here, when the middleware is built.
 *
 * Register it before middleware that replaces the response after the handler, such as `etag()`: its 304
 * would otherwise drop the Set-Cookie.
 *
 * @example
 * ```ts
 * const app = new Hono<{ Bindings: Env; Variables: SessionVariables<{ user: string }> }>();
 * app.use(session({ secret: (c) => c.env.SESSION_SECRET, idleTimeout: 300 }));
 * app.get("/", async (c) => c.text(`hello ${(await c.var.session.get("user")) ?? "stranger"}`));
 * ```
 */
export function session<Data extends SessionData = SessionData, E extends Env = any>(
  options: SessionOptions<E>,
): MiddlewareHandler<E & { Variables: SessionVariables<Data> }> {
  const engine = sessionEngine<Data, Context<E>>(options);
  return async function session(c, next) {
    // The same context, typed with the variables this middleware adds (Hono's Context is invariant in them).
    const request = engine.start(c.req.raw.headers, c as unknown as Context<E>);
    c.set("session", request.session);
    await next();
    if (c.error) return request.abort(); // the handler failed: the cookie stays as it was
    let setCookies: string[];
    try {
      setCookies = await request.commit();
    } catch (error) {
      // The handler's response must not leave with the error: Hono copies its headers (Cache-Control: public,
      // headers carrying data) onto whatever response the error handler builds.
      replaceResponse(c, new Response(null, { headers: { "Cache-Control": "no-store" } }));
      throw error;
    }
    if (setCookies.length) replaceResponse(c, withCookies(c.res, setCookies));
  };
}

/** Hands Hono exactly `res`: its `c.res` setter copies the previous response's headers onto the new one. */
function replaceResponse(c: Context, res: Response): void {
  c.res = undefined;
  c.res = res;
}
