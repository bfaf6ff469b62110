import type { Env, MiddlewareHandler } from "hono";
import type { SessionData } from "../core/envelope.js";
import type { SchemaData, SessionSchema } from "../core/schema.js";
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
 *
 * With a `schema`, `c.var.session` is typed from it (see docs/schema.md):
 *
 * ```ts
 * const schema = z.object({ user: z.string().optional() });
 * const typed = new Hono().use(session({ secret: "a secret of at least thirty-two characters!", schema }));
 * typed.get("/", async (c) => c.text((await c.var.session.get("user")) ?? "stranger"));
 * ```
 */
export function session<S extends SessionSchema, E extends Env = any>(
  options: SessionOptions<E> & { schema: S },
  // E named (an app's Env): its bindings stay; not named (any): only the variable, or `any` would swallow it.
): MiddlewareHandler<0 extends 1 & E ? { Variables: SessionVariables<SchemaData<S>> } : E & { Variables: SessionVariables<SchemaData<S>> }>;
export function session<Data extends SessionData = SessionData, E extends Env = any>(
  options: SessionOptions<E>,
): MiddlewareHandler<E & { Variables: SessionVariables<Data> }>;
export function session(options: SessionOptions): MiddlewareHandler {
  return honoSession(options, chooseMode);
}
