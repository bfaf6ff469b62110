import type { Context, Env, MiddlewareHandler } from "hono";
import { sessionEngine } from "../core/engine.js";
import { SessionConfigError, SessionStepUpRequiredError } from "../core/errors.js";
import type { SessionEngineOptions } from "../core/options.js";
import { withCookies } from "../core/with-session.js";
import type { SessionData } from "../core/envelope.js";
import type { Session } from "../core/session.js";

/**
 * Options of {@link session}: those of the engine, with option functions receiving Hono's context, typed by
 * the app's `Env` (`secret: (c) => c.env.SESSION_SECRET` needs no cast).
 */
export type SessionOptions<E extends Env = any> = SessionEngineOptions<Context<E>>;

/** The context variables the middleware sets: `c.var.session`. */
export interface SessionVariables<Data extends SessionData = SessionData> {
  session: Session<Data>;
}

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
  const engine = sessionEngine<Data, Context<E>>(options);
  const sendsEvents = options.onEvent !== undefined;
  return async function session(c, next) {
    // The same context, typed with the variables this middleware adds (Hono's Context is invariant in them).
    // c.executionCtx throws where there is none (app.request() in tests, Node): it is touched only when an event
    // is delivered, where the throw is caught, never on every request (a throw costs microseconds).
    const start = sendsEvents ? { waitUntil: (promise: Promise<unknown>) => c.executionCtx.waitUntil(promise) } : undefined;
    const request = engine.start(c.req.raw.headers, c as unknown as Context<E>, start);
    c.set("session", request.session);
    await next();
    if (c.error) return request.abort(); // the handler failed: the cookie stays as it was
    let setCookies: string[];
    try {
      setCookies = await request.commit();
    } catch (error) {
      // The handler's response must not leave with the error: Hono copies its headers (Cache-Control: public,
      // headers carrying data) onto whatever response the error handler builds.
      replaceResponse(c, new Response(null, { headers: { "Cache-Control": "no-store" } }));
      throw error;
    }
    if (setCookies.length) replaceResponse(c, withCookies(c.res, setCookies));
  };
}

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

/** What {@link sessionStatus} answers; `null` where no limit applies or there is no session. */
export interface SessionStatus {
  /** A session came with the request. */
  active: boolean;
  /** Seconds before the session expires for inactivity. */
  idleSecondsLeft: number | null;
  /** Seconds before the server refuses the session (idle or absolute limit, whichever comes first). */
  secondsLeft: number | null;
}

/**
 * Hono handler for an idle-warning script's polls (e.g. `app.get("/session/status", sessionStatus())`):
 * answers {@link SessionStatus} as JSON, never cached, without rolling the session (a tab left open does not
 * keep it alive) and without creating one. "Stay signed in" is any ordinary request: it rolls the session.
 */
export function sessionStatus<Data extends SessionData = SessionData>(): MiddlewareHandler<{ Variables: SessionVariables<Data> }> {
  return async function sessionStatus(c) {
    const session = c.var.session;
    if (!session) throw new SessionConfigError("sessionStatus() needs the session() middleware registered before it");
    session.skipRoll();
    return c.json(await statusOf(session), 200, { "Cache-Control": "no-store" });
  };
}

/**
 * Hono handler for an idle warning's "Stay signed in" (e.g. `app.post("/session/stay", staySignedIn())`): loads
 * the session, which rolls it like any ordinary request (once `touchAfter` has passed since it was last
 * sealed), and answers {@link SessionStatus} as it will be after this response, never cached. It creates no
 * session for a visitor without one. A handler that never reads the session does not roll it: this one does.
 */
export function staySignedIn<Data extends SessionData = SessionData>(): MiddlewareHandler<{ Variables: SessionVariables<Data> }> {
  return async function staySignedIn(c) {
    const session = c.var.session;
    if (!session) throw new SessionConfigError("staySignedIn() needs the session() middleware registered before it");
    return c.json(await statusOf(session), 200, { "Cache-Control": "no-store" });
  };
}

async function statusOf(session: Session<SessionData>): Promise<SessionStatus> {
  await session.load();
  return session.isNew
    ? { active: false, idleSecondsLeft: null, secondsLeft: null }
    : { active: true, idleSecondsLeft: session.idleSecondsLeft() ?? null, secondsLeft: session.secondsLeft() ?? null };
}

/** Hands Hono exactly `res`: its `c.res` setter copies the previous response's headers onto the new one. */
function replaceResponse(c: Context, res: Response): void {
  c.res = undefined;
  c.res = res;
}
