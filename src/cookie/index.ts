/**
 * `edge-session/cookie`: the same `session()` and `sessionEngine()` as `edge-session`, for sessions kept
 * entirely in the cookie (one or `cookie.chunks` cookies). It carries no store, overflow, Durable Object or
 * revocation code, so a cookie-only app bundles about half of what the root entry costs it. Add `store:`,
 * `overflow:` or `revocation:` later by importing the same functions from `edge-session` instead.
 *
 * @example
 * ```ts
 * import { session, type SessionVariables } from "edge-session/cookie";
 *
 * const app = new Hono<{ Bindings: Env; Variables: SessionVariables<{ user: string }> }>();
 * app.use(session({ secret: (c) => c.env.SESSION_SECRET, idleTimeout: 300 }));
 * ```
 *
 * @module
 */
import { createEngine, type SessionEngineFunction } from "../core/engine.js";
import { SessionConfigError } from "../core/errors.js";
import type { ChooseMode, CookieEngineOptions } from "../core/options.js";
import { cookieMode } from "../modes/mode.js";
import { honoSession, type CookieSessionOptions, type SessionFunction } from "../hono/adapter.js";

/** Options that need modes this entry does not carry: given anyway (from JavaScript), they must not be ignored. */
const OTHER_MODES = ["store", "overflow", "revocation", "storeTimeout"] as const;

const cookieOnly: ChooseMode = (options) => {
  for (const name of OTHER_MODES) {
    if (options[name] !== undefined) {
      throw new SessionConfigError(
        `${name} needs session()/sessionEngine() from "edge-session": "edge-session/cookie" keeps sessions in the cookie only`,
      );
    }
  }
  return cookieMode;
};

/**
 * A session engine for cookie sessions (see `edge-session`'s `sessionEngine` for the request cycle): validates
 * every option now (`SessionConfigError`), then serves any number of requests.
 *
 * @example
 * ```ts
 * const sessions = sessionEngine<{ count: number }, Env>({ secret: (env) => env.SESSION_SECRET, idleTimeout: 300 });
 * export default {
 *   fetch: (request, env) => withSession(sessions, request, env, async (session) => new Response(String(await session.get("count")))),
 * } satisfies ExportedHandler<Env>;
 * ```
 *
 * @function
 */
export const sessionEngine: SessionEngineFunction<"cookie"> = (options: CookieEngineOptions<any>) =>
  createEngine<any, any>(options, cookieOnly);

/**
 * Hono middleware for cookie sessions at `c.var.session` (see `edge-session`'s `session` for the details).
 *
 * @example
 * ```ts
 * app.use(session({ secret: (c) => c.env.SESSION_SECRET, idleTimeout: 300, absoluteTimeout: 8 * 3600 }));
 * ```
 *
 * @function
 */
export const session: SessionFunction<"cookie"> = (options: CookieSessionOptions) => honoSession(options, cookieOnly);

export { requireRecentAuth } from "../hono/step-up.js";
export { sessionStatus, staySignedIn, type SessionStatusOptions } from "../idle-warning/status.js";
export type { SessionStatus } from "../idle-warning/state.js";
export { csrfChecker, requireCsrfToken, type CsrfOptions } from "../hono/csrf.js";
export { requireSession, signedOutReason, type RequireSessionOptions } from "../hono/require-session.js";
export type { SessionVariables, CookieSessionOptions as SessionOptions } from "../hono/adapter.js";
export type { SessionEngine, RequestSession, RequestHeaders, StartOptions } from "../core/engine.js";
export type { SessionEvent, SessionEventType, SessionEventHandler, WaitUntil } from "../core/events.js";
export type { PerRequest, CookieEngineOptions as SessionEngineOptions } from "../core/options.js";
export { withSession, withCookies } from "../core/with-session.js";
export { Session } from "../core/session.js";
export type { Secret, Encryption } from "../crypto/keyring.js";
export { newSessionId, type SessionData, type SessionLimits, type SessionMeta } from "../core/envelope.js";
export type { ExpiredReason, ExpiryLimits } from "../core/expiry.js";
export type { CookieOptions, SameSite } from "../core/cookie.js";
export type { InvalidReason } from "../core/token.js";
export type { StandardSchemaV1, SessionSchema, SchemaData, Migrate } from "../core/schema.js";
export {
  SessionError,
  SessionConfigError,
  SessionTooLargeError,
  SessionStoreError,
  SessionClosedError,
  SessionStepUpRequiredError,
  SessionCsrfError,
  SessionRequiredError,
  type CsrfFailure,
  type SessionRequiredReason,
  SessionLimitError,
  SessionBindingError,
  type BindingFailure,
  SessionSchemaError,
  type SessionErrorCode,
  type SessionErrors,
} from "../core/errors.js";
