import { sessionEngine } from "../engine.js";
import type { SessionData } from "../core/envelope.js";
import type { SessionEngine } from "../core/engine.js";
import type { SessionEngineOptions } from "../core/options.js";
import type { Session } from "../core/session.js";
import { checkEngine, sessionMiddlewareOver as middlewareOver } from "../core/with-session.js";

/**
 * What the middleware reads of Astro's `APIContext` (structurally: this entry point imports nothing of
 * `astro`, so it follows Astro's types without pinning them).
 */
export interface AstroContextLike {
  request: Request;
  locals: object;
}

/**
 * Astro middleware (`src/middleware.ts`, on-demand rendered routes): the session at `context.locals.session`
 * for the page or endpoint, committed after it rendered, its `Set-Cookie` on the response. Option functions
 * receive the `APIContext` (`secret: (context) => context.locals.runtime.env.SESSION_SECRET` with the
 * Cloudflare adapter). Type `locals.session` by declaring it in `App.Locals` (src/env.d.ts); compose with
 * `sequence()` from `astro:middleware`.
 *
 * @example
 * ```ts
 * // src/env.d.ts: declare namespace App { interface Locals { session: import("edge-session").Session<{ user: string }> } }
 * export const onRequest = sessionMiddleware<{ user: string }>({ secret: SECRET, idleTimeout: 1800 });
 * // a page: const user = await Astro.locals.session.get("user");
 * ```
 */
export function sessionMiddleware<Data extends SessionData = SessionData, C extends AstroContextLike = AstroContextLike>(
  options: SessionEngineOptions<C>,
): AstroSessionMiddleware<C> {
  return sessionMiddlewareOver(sessionEngine<Data, C>(options));
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
 * export const onRequest = sessionMiddlewareOver(sessionEngine<{ user: string }>({ secret: SECRET, idleTimeout: 1800 }));
 * ```
 */
export function sessionMiddlewareOver<Data extends SessionData, C extends AstroContextLike = AstroContextLike>(
  engine: SessionEngine<Data, C>,
): AstroSessionMiddleware<C> {
  checkEngine(engine, "sessionMiddlewareOver", "sessionMiddleware");
  return middlewareOver(engine, (context, session) => {
    (context.locals as { session: Session<Data> }).session = session;
  });
}

/** The middleware {@link sessionMiddleware} returns: assignable to Astro's `MiddlewareHandler`. */
export type AstroSessionMiddleware<C extends AstroContextLike = AstroContextLike> = (
  context: C,
  next: () => Promise<Response>,
) => Promise<Response>;
