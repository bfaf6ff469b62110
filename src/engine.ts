import { createEngine, type SessionEngineFunction } from "./core/engine.js";
import type { SessionEngineOptions } from "./core/options.js";
import { chooseMode } from "./modes/choose.js";

/**
 * Builds a session engine with every mode (cookie, overflow, server-side stores, revocation checks): validates
 * every option now (`SessionConfigError`), then serves any number of requests. The Hono middleware is a thin
 * adapter over it; use it directly from a plain `fetch` handler (see {@link withSession}) or another
 * framework. A cookie-only app bundles less with the same function from `edge-session/cookie`.
 *
 * @example
 * ```ts
 * const sessions = sessionEngine<{ user: string }, Env>({ secret: (env) => env.SESSION_SECRET, idleTimeout: 300 });
 * const request = sessions.start(req.headers, env);
 * await request.session.get("user");
 * const setCookies = await request.commit(); // append each to the response's headers
 * ```
 *
 * With a `schema`, the session's data type is the schema's output (no `Data` argument; see docs/schema.md):
 *
 * ```ts
 * const schema = z.object({ user: z.string().optional() });
 * const typed = sessionEngine<typeof schema, Env>({ secret: (env) => env.SESSION_SECRET, schema });
 * ```
 *
 * @function
 */
export const sessionEngine: SessionEngineFunction<"all"> = (options: SessionEngineOptions<any>) =>
  createEngine<any, any>(options, chooseMode);
