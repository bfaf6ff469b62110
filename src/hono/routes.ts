import type { MiddlewareHandler } from "hono";
import type { SessionData } from "../core/envelope.js";
import { SessionConfigError, SessionStepUpRequiredError } from "../core/errors.js";
import { checkKeys, type KnownKeys } from "../core/known-keys.js";
import type { Session } from "../core/session.js";
import type { SessionVariables } from "./adapter.js";

/**
 * Hono middleware for sensitive routes (a large transfer, changing the password): lets the request through
 * only when the session authenticated (`session.authenticate()`) at most `seconds` ago, else throws
 * {@link SessionStepUpRequiredError} (401 by default; catch it in `app.onError` and ask for the password
 * again). It reads the session without writing it: the session's deadlines do not move.
 *
 * @example
 * ```ts
 * app.post("/transfer", requireRecentAuth(300), async (c) => ...);
 * app.onError((err, c) => err instanceof SessionStepUpRequiredError ? c.redirect("/confirm-password") : c.text("error", 500));
 * ```
 */
export function requireRecentAuth<Data extends SessionData = SessionData>(
  seconds: number,
): MiddlewareHandler<{ Variables: SessionVariables<Data> }> {
  if (typeof seconds !== "number" || !Number.isSafeInteger(seconds) || seconds < 0) {
    throw new SessionConfigError("requireRecentAuth(seconds) takes a whole number of seconds, at least 0");
  }
  return async function requireRecentAuth(c, next) {
    const session = c.var.session;
    if (!session) throw new SessionConfigError("requireRecentAuth() needs the session() middleware registered before it");
    await session.load();
    const ago = session.authenticatedAgo();
    if (ago === undefined || ago > seconds) throw new SessionStepUpRequiredError(seconds, ago);
    await next();
  };
}

/** What {@link sessionStatus} and {@link staySignedIn} answer; `null` where no limit applies or there is no session. */
export interface SessionStatus {
  /** A session came with the request (and, with the `signedIn` option, belongs to a signed-in user). */
  active: boolean;
  /** Seconds before the session expires for inactivity. */
  idleSecondsLeft: number | null;
  /** Seconds before the server refuses the session (idle or absolute limit, whichever comes first). */
  secondsLeft: number | null;
}

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
    const session = c.var.session;
    if (!session) throw new SessionConfigError("sessionStatus() needs the session() middleware registered before it");
    session.skipRoll();
    return c.json(await statusOf(session, signedIn), 200, { "Cache-Control": "no-store" });
  };
}

/**
 * Hono handler for an idle warning's "Stay signed in" (e.g. `app.post("/session/stay", staySignedIn())`): loads
 * the session, which rolls it like any ordinary request (once `touchAfter` has passed since it was last
 * sealed), and answers {@link SessionStatus} as it will be after this response, never cached. It creates no
 * session for a visitor without one, and with `signedIn` rolls none that is not signed in. A handler that
 * never reads the session does not roll it: this one does.
 *
 * @example
 * ```ts
 * app.post("/session/stay", staySignedIn({ signedIn: async (s) => (await s.get("user")) !== undefined }));
 * ```
 */
export function staySignedIn<Data extends SessionData = SessionData>(
  options: SessionStatusOptions<Data> = {},
): MiddlewareHandler<{ Variables: SessionVariables<Data> }> {
  const signedIn = signedInOf(options, "staySignedIn");
  return async function staySignedIn(c) {
    const session = c.var.session;
    if (!session) throw new SessionConfigError("staySignedIn() needs the session() middleware registered before it");
    return c.json(await statusOf(session, signedIn), 200, { "Cache-Control": "no-store" });
  };
}

function signedInOf<Data extends SessionData>(options: SessionStatusOptions<Data>, helper: string): SessionStatusOptions<Data>["signedIn"] {
  if (typeof options !== "object" || options === null) throw new SessionConfigError(`${helper}() takes an optional object { signedIn? }`);
  checkKeys(options, STATUS_OPTIONS, `${helper}() options`);
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
