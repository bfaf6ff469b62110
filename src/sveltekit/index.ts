import { sessionEngine } from "../engine.js";
import type { SessionData } from "../core/envelope.js";
import type { SessionEngine } from "../core/engine.js";
import type { SessionEngineOptions } from "../core/options.js";
import type { Session } from "../core/session.js";
import { checkEngine, withSession } from "../core/with-session.js";

/**
 * What the hook reads of SvelteKit's `RequestEvent` (structurally: this entry point imports nothing of
 * `@sveltejs/kit`, so it adds nothing to a bundle and follows SvelteKit's types without pinning them).
 */
export interface SvelteKitEventLike {
  request: Request;
  locals: object;
}

/**
 * The `handle` hook {@link sessionHandle} returns: assignable to SvelteKit's `Handle`. Generic in the event, so
 * SvelteKit's own `RequestEvent` (more than the hook reads) flows through to `resolve` unchanged.
 */
export type SessionHandle<E extends SvelteKitEventLike = SvelteKitEventLike> = <T extends E>(input: {
  event: T;
  resolve: (event: T) => Response | Promise<Response>;
}) => Promise<Response>;

/**
 * SvelteKit's `handle` hook: the session at `event.locals.session` for every load function, form action and
 * endpoint of the request, committed once the page is rendered, its `Set-Cookie` on the response. Option
 * functions receive the `RequestEvent` (`secret: (event) => event.platform!.env.SESSION_SECRET` on Cloudflare).
 * Type `event.locals.session` by declaring it in `App.Locals` (src/app.d.ts); compose with other hooks through
 * `sequence()`.
 *
 * @example
 * ```ts
 * // src/app.d.ts: declare global { namespace App { interface Locals { session: Session<{ user: string }> } } }
 * export const handle = sessionHandle<{ user: string }>({ secret: SECRET, idleTimeout: 1800 });
 * // +page.server.ts: const user = await locals.session.get("user");
 * ```
 */
export function sessionHandle<Data extends SessionData = SessionData, E extends SvelteKitEventLike = SvelteKitEventLike>(
  options: SessionEngineOptions<E>,
): SessionHandle<E> {
  return sessionHandleOver(sessionEngine<Data, E>(options));
}

/**
 * {@link sessionHandle} over an engine you built: with `sessionEngine` from `edge-session/cookie`, an app that
 * keeps sessions in the cookie bundles no store, overflow or Durable Object code (from `edge-session`, every mode).
 *
 * @example
 * ```ts
 * import { sessionEngine } from "edge-session/cookie";
 *
 * export const handle = sessionHandleOver(sessionEngine<{ user: string }>({ secret: SECRET, idleTimeout: 1800 }));
 * ```
 */
export function sessionHandleOver<Data extends SessionData, E extends SvelteKitEventLike = SvelteKitEventLike>(
  engine: SessionEngine<Data, E>,
): SessionHandle<E> {
  checkEngine(engine, "sessionHandleOver", "sessionHandle");
  return ({ event, resolve }) =>
    withSession(engine, event.request, event, (session) => {
      (event.locals as { session: Session<Data> }).session = session;
      return resolve(event);
    });
}
