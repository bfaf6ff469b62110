import type { Context, MiddlewareHandler } from "hono";
import type { SessionData } from "../core/envelope.js";
import { SessionConfigError, SessionRequiredError, type SessionRequiredReason } from "../core/errors.js";
import { checkKeys, type KnownKeys } from "../core/known-keys.js";
import type { Session } from "../core/session.js";
import { registeredSession, type SessionVariables } from "./adapter.js";

/**
 * Options of {@link requireSession} and {@link signedOutReason}: exactly one of `key` and `signedIn`.
 *
 * @example
 * ```ts
 * const options: RequireSessionOptions<{ user: string }> = { key: "user", onRefused: { redirect: "/login" } };
 * ```
 */
export interface RequireSessionOptions<Data extends SessionData = SessionData> {
  /** The data key that marks a signed-in user (e.g. `"user"`). */
  key?: Extract<keyof Data, string> | undefined;
  /** Whether the session belongs to a signed-in user, when one key does not say it. */
  signedIn?: ((session: Session<Data>) => boolean | Promise<boolean>) | undefined;
  /**
   * What a request without a signed-in user gets: `"json"` (default) a 401 `{ "code": "SESSION_REQUIRED",
   * "reason" }`; `{ redirect: "/login" }` a redirect with `?reason=<reason>` added; `"throw"` a
   * {@link SessionRequiredError}; or a function of the context and reason that answers the response.
   * Never cached.
   */
  onRefused?:
    | "json"
    | "throw"
    | { redirect: string }
    | ((c: Context<{ Variables: SessionVariables<Data> }>, reason: SessionRequiredReason) => Response | Promise<Response>)
    | undefined;
}

const REQUIRE_SESSION_OPTIONS: KnownKeys<RequireSessionOptions> = { key: true, signedIn: true, onRefused: true };

/**
 * Why the session has no signed-in user, or undefined when it has one (framework-free, for `sessionEngine`
 * apps): `"idle"` / `"absolute"` when the cookie's session expired, `"revoked"` when it ended on the server,
 * `"invalid"` for a refused cookie, `"none"` otherwise.
 *
 * @example
 * ```ts
 * const why = await signedOutReason(session, { key: "user" });
 * if (why) return Response.redirect(`https://app.example.com/login?reason=${why}`, 303);
 * ```
 */
export async function signedOutReason<Data extends SessionData>(
  session: Session<Data>,
  options: Pick<RequireSessionOptions<Data>, "key" | "signedIn">,
): Promise<SessionRequiredReason | undefined> {
  if (typeof options?.signedIn !== "function" && typeof options?.key !== "string") {
    throw new SessionConfigError("signedOutReason(session, options) needs { key } or { signedIn }");
  }
  await session.load();
  if (session.isNew) {
    const { expired, invalid } = session;
    if (expired) return expired;
    if (invalid === "revoked" || invalid === "missing") return "revoked";
    return invalid ? "invalid" : "none";
  }
  const signedIn = options.signedIn ? await options.signedIn(session) : await session.has(options.key!);
  return signedIn ? undefined : "none";
}

/**
 * Hono middleware for routes that need a signed-in user (next to `requireRecentAuth()`): lets the request
 * through when the session has one (`key` set, or `signedIn` answers true), else answers as `onRefused` says,
 * telling why (never signed in, idle, absolute, revoked, invalid) so the login page can say it.
 *
 * @example
 * ```ts
 * app.use("/api/*", requireSession({ key: "user" })); // 401 { code: "SESSION_REQUIRED", reason: "idle" }
 * app.use("/account/*", requireSession({ key: "user", onRefused: { redirect: "/login" } })); // /login?reason=idle
 * ```
 */
export function requireSession<Data extends SessionData = SessionData>(
  options: RequireSessionOptions<Data>,
): MiddlewareHandler<{ Variables: SessionVariables<Data> }> {
  const refuse = checked(options);
  return async function requireSession(c, next) {
    const session = registeredSession(c, "requireSession");
    const reason = await signedOutReason(session, options);
    if (reason === undefined) return next();
    return refuse(c, reason);
  };
}

type Refuse<Data extends SessionData> = (
  c: Context<{ Variables: SessionVariables<Data> }>,
  reason: SessionRequiredReason,
) => Response | Promise<Response>;

function checked<Data extends SessionData>(options: RequireSessionOptions<Data>): Refuse<Data> {
  const expected = "{ key | signedIn, onRefused? }";
  if (typeof options !== "object" || options === null) throw new SessionConfigError(`requireSession() takes an object ${expected}`);
  checkKeys(options, REQUIRE_SESSION_OPTIONS, "requireSession() options");
  const { key, signedIn, onRefused = "json" } = options;
  if ((key === undefined) === (signedIn === undefined))
    throw new SessionConfigError("requireSession() needs exactly one of key and signedIn");
  if (key !== undefined && (typeof key !== "string" || key === ""))
    throw new SessionConfigError("requireSession({ key }) must be a data key");
  if (signedIn !== undefined && typeof signedIn !== "function")
    throw new SessionConfigError("requireSession({ signedIn }) must be a function of the session");
  if (typeof onRefused === "function") {
    return async (c, reason) => {
      const answer = await onRefused(c, reason);
      const res = new Response(answer.body, answer); // a copy: Response.redirect()'s headers are immutable
      res.headers.set("Cache-Control", "no-store");
      return res;
    };
  }
  if (onRefused === "throw") {
    return (_c, reason) => {
      throw new SessionRequiredError(reason);
    };
  }
  if (onRefused === "json") return (c, reason) => c.json({ code: "SESSION_REQUIRED", reason }, 401, { "Cache-Control": "no-store" });
  const target = typeof onRefused === "object" && onRefused !== null ? onRefused.redirect : undefined;
  if (typeof target !== "string" || !target.startsWith("/") || target.startsWith("//")) {
    throw new SessionConfigError(`requireSession({ onRefused }) must be "json", "throw", { redirect: "/path" } or a function`);
  }
  return (c, reason) => {
    const url = `${target}${target.includes("?") ? "&" : "?"}reason=${reason}`;
    return c.body(null, 303, { Location: url, "Cache-Control": "no-store" });
  };
}
