import { chooseMode } from "../modes/choose.js";
import { honoSession, type SessionFunction, type SessionOptions } from "./adapter.js";

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
 *
 * @function
 */
export const session: SessionFunction<"all"> = (options: SessionOptions) => honoSession(options, chooseMode);
