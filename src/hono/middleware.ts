import type { Env, MiddlewareHandler } from "hono";
import type { SessionData } from "../core/envelope.js";
import { chooseMode } from "../modes/choose.js";
import { honoSession, type SessionOptions, type SessionVariables } from "./adapter.js";

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
  return honoSession(options, chooseMode);
}
