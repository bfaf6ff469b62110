/**
 * The idle warning's server side: the Hono handlers its script polls (`sessionStatus()`) and calls for "Stay
 * signed in" (`staySignedIn()`), answering the {@link SessionStatus} the script reads (state.ts).
 */
import type { MiddlewareHandler } from "hono";
import type { SessionData } from "../core/envelope.js";
import { SessionConfigError } from "../core/errors.js";
import { checkKeys, type KnownKeys } from "../core/known-keys.js";
import type { Session } from "../core/session.js";
import { registeredSession, type SessionVariables } from "../hono/adapter.js";
import { crossSiteCheck, type AllowedOrigins } from "../hono/cross-site.js";
import type { SessionStatus } from "./state.js";

/** Options of {@link sessionStatus} and {@link staySignedIn}. */
export interface SessionStatusOptions<Data extends SessionData = SessionData> {
  /**
   * Whether the session belongs to a signed-in user, for apps that keep sessions for visitors (a flash after
   * logout, a cart): e.g. `async (s) => (await s.get("user")) !== undefined`. A session it refuses is answered
   * as not active (the idle-warning script then goes to the login page) and is not rolled. Default: any
   * session that came with the request is active.
   */
  signedIn?: ((session: Session<Data>) => boolean | Promise<boolean>) | undefined;
}

const STATUS_OPTIONS: KnownKeys<SessionStatusOptions> = { signedIn: true };

/**
 * Hono handler for an idle-warning script's polls (e.g. `app.get("/session/status", sessionStatus())`):
 * answers {@link SessionStatus} as JSON, never cached, without rolling the session (a tab left open does not
 * keep it alive) and without creating one. "Stay signed in" is {@link staySignedIn}.
 *
 * @example
 * ```ts
 * app.get("/session/status", sessionStatus({ signedIn: async (s) => (await s.get("user")) !== undefined }));
 * ```
 */
export function sessionStatus<Data extends SessionData = SessionData>(
  options: SessionStatusOptions<Data> = {},
): MiddlewareHandler<{ Variables: SessionVariables<Data> }> {
  const signedIn = signedInOf(options, "sessionStatus");
  return async function sessionStatus(c) {
    const session = registeredSession(c, "sessionStatus");
    session.skipRoll();
    return c.json(await statusOf(session, signedIn), 200, { "Cache-Control": "no-store" });
  };
}

/**
 * Options of {@link staySignedIn}.
 *
 * @example
 * ```ts
 * const options: StaySignedInOptions<{ user: string }> = {
 *   signedIn: async (s) => (await s.get("user")) !== undefined,
 *   origin: ["https://portal.example.com"],
 * };
 * app.post("/session/stay", staySignedIn(options));
 * ```
 */
export interface StaySignedInOptions<Data extends SessionData = SessionData> extends SessionStatusOptions<Data> {
  /**
   * Other origins whose pages may call it (an app embedded elsewhere, with `sameSite: "None"`): an origin,
   * a list, or a function of the `Origin` header. Default: none; the request's own origin always may.
   */
  origin?: AllowedOrigins | undefined;
}

const STAY_OPTIONS: KnownKeys<StaySignedInOptions> = { signedIn: true, origin: true };

/**
 * Hono handler for an idle warning's "Stay signed in" (e.g. `app.post("/session/stay", staySignedIn())`): loads
 * the session, which rolls it like any ordinary request (once `touchAfter` has passed since it was last
 * sealed), and answers {@link SessionStatus} as it will be after this response, never cached. It creates no
 * session for a visitor without one, and with `signedIn` rolls none that is not signed in. A handler that
 * never reads the session does not roll it: this one does.
 *
 * It changes the session, so another site's page must not be able to call it, whatever the cookie's
 * SameSite setting: a request whose `Sec-Fetch-Site` or `Origin` says it comes from another site (and not
 * from an `origin` allowed) gets a 403 `{ "code": "CROSS_SITE" }`, never cached, and the session does not
 * roll (even when a middleware before it read the session). A request with neither header (not from a browser page) is answered.
 *
 * @example
 * ```ts
 * app.post("/session/stay", staySignedIn({ signedIn: async (s) => (await s.get("user")) !== undefined }));
 * // embedded in https://portal.example.com's pages (cookie: { sameSite: "None" }):
 * app.post("/embedded/stay", staySignedIn({ origin: "https://portal.example.com" }));
 * ```
 */
export function staySignedIn<Data extends SessionData = SessionData>(
  options: StaySignedInOptions<Data> = {},
): MiddlewareHandler<{ Variables: SessionVariables<Data> }> {
  const signedIn = signedInOf(options, "staySignedIn", STAY_OPTIONS);
  const crossSite = crossSiteCheck(options.origin, "staySignedIn");
  return async function staySignedIn(c) {
    const session = registeredSession(c, "staySignedIn");
    if (crossSite(c.req.raw)) {
      session.skipRoll(); // not rolled either when a middleware before this one read the session
      return c.json({ code: "CROSS_SITE" }, 403, { "Cache-Control": "no-store" });
    }
    return c.json(await statusOf(session, signedIn), 200, { "Cache-Control": "no-store" });
  };
}

function signedInOf<Data extends SessionData>(
  options: StaySignedInOptions<Data>,
  helper: string,
  known: KnownKeys<StaySignedInOptions> | KnownKeys<SessionStatusOptions> = STATUS_OPTIONS,
): SessionStatusOptions<Data>["signedIn"] {
  if (typeof options !== "object" || options === null) {
    throw new SessionConfigError(
      `${helper}() takes an optional object { ${Object.keys(known)
        .map((key) => `${key}?`)
        .join(", ")} }`,
    );
  }
  checkKeys(options, known, `${helper}() options`);
  const { signedIn } = options;
  if (signedIn !== undefined && typeof signedIn !== "function") {
    throw new SessionConfigError(`${helper}({ signedIn }) must be a function of the session`);
  }
  return signedIn;
}

const INACTIVE: Readonly<SessionStatus> = { active: false, idleSecondsLeft: null, secondsLeft: null };

async function statusOf<Data extends SessionData>(
  session: Session<Data>,
  signedIn: SessionStatusOptions<Data>["signedIn"],
): Promise<SessionStatus> {
  await session.load();
  if (session.isNew) return INACTIVE;
  if (signedIn && !(await signedIn(session))) {
    session.skipRoll(); // a visitor's session is not kept alive by a warning meant for signed-in users
    return INACTIVE;
  }
  return { active: true, idleSecondsLeft: session.idleSecondsLeft() ?? null, secondsLeft: session.secondsLeft() ?? null };
}
