import type { Context, Env, MiddlewareHandler } from "hono";
import { createEngine, type RequestHeaders, type StartOptions } from "../core/engine.js";
import type { WaitUntil } from "../core/events.js";
import type { SessionData } from "../core/envelope.js";
import { SessionConfigError } from "../core/errors.js";
import type { ChooseMode, CookieEngineOptions, SessionEngineOptions } from "../core/options.js";
import type { SchemaData, SessionSchema } from "../core/schema.js";
import { logProgrammerError } from "../core/report.js";
import { closeSession, sessionStarted, type Session } from "../core/session.js";
import { recordResponses, responseWith, type Made } from "./responses.js";

/**
 * Options of {@link session}: those of the engine, with option functions receiving Hono's context, typed by
 * the app's `Env` (`secret: (c) => c.env.SESSION_SECRET` needs no cast).
 */
export type SessionOptions<E extends Env = any> = SessionEngineOptions<Context<E>>;

/** Options of the cookie-only {@link session} middleware, with option functions receiving Hono's typed context. */
export type CookieSessionOptions<E extends Env = any> = CookieEngineOptions<Context<E>>;

/**
 * The overloads of an entry point's `session()`, written once for both entries (`Entry` picks its options):
 * with a `schema`, `c.var.session` is typed from it; without, from `Data`.
 *
 * @example
 * ```ts
 * export const session: SessionFunction<"all"> = (options: SessionOptions) => honoSession(options, chooseMode);
 * ```
 */
export interface SessionFunction<Entry extends "all" | "cookie"> {
  <S extends SessionSchema, E extends Env = any>(
    options: (Entry extends "cookie" ? CookieSessionOptions<E> : SessionOptions<E>) & { schema: S },
    // E named (an app's Env): its bindings stay; not named (any): only the variable, or `any` would swallow it.
  ): MiddlewareHandler<
    0 extends 1 & E ? { Variables: SessionVariables<SchemaData<S>> } : E & { Variables: SessionVariables<SchemaData<S>> }
  >;
  <Data extends SessionData = SessionData, E extends Env = any>(
    options: Entry extends "cookie" ? CookieSessionOptions<E> : SessionOptions<E>,
  ): MiddlewareHandler<E & { Variables: SessionVariables<Data> }>;
}

/** The context variables the middleware sets: `c.var.session`. */
export interface SessionVariables<Data extends SessionData = SessionData> {
  session: Session<Data>;
}

/**
 * The Hono middleware of an entry point (`session()` of `edge-session` and of `edge-session/cookie`), from its
 * mode chooser: the engine for `options` (validated now), the session at `c.var.session`, committed after the
 * handler, its Set-Cookie values on the response: in place on a response with a body this request's context
 * made (`c.json()`...), else on a copy (see responses.ts).
 */
export function honoSession<Data extends SessionData, E extends Env>(
  options: SessionEngineOptions<Context<E>>,
  chooseMode: ChooseMode,
): MiddlewareHandler<E & { Variables: SessionVariables<Data> }> {
  const engine = createEngine<Data, Context<E>>(options, chooseMode);
  const names = engine.cookieNames;
  const sendsEvents = options.onEvent !== undefined;
  return async function session(c, next) {
    const hooks = new RequestHooks(c, sendsEvents);
    // The same context, typed with the variables this middleware adds (Hono's Context is invariant in them).
    const request = engine.start(hooks, c as unknown as Context<E>, hooks);
    c.set("session", request.session);
    await next();
    if (c.error) {
      // Hono's error handler answered already (a bare 500 by default): a mistake in the app's use of the
      // session (`s.id` before `await s.load()`) is logged here, once, whatever that handler did.
      logProgrammerError(c.error);
      return request.abort(); // the handler failed: the cookie stays as it was
    }
    let setCookies: string[] = NONE;
    const { session } = request;
    // Untouched (lazy): nothing to write, so no commit to wait for; only a response that carries another
    // request's cookies still needs its copy (see responses.ts).
    if (!sessionStarted(session)) closeSession(session);
    else
      try {
        setCookies = await request.commit();
      } catch (error) {
        // The handler's response must not leave with the error: Hono copies its headers (Cache-Control: public,
        // headers carrying data) onto whatever response the error handler builds.
        replaceResponse(c, new Response(null, { headers: { "Cache-Control": "no-store" } }));
        throw error;
      }
    const res = responseWith(c, hooks.made, setCookies, names);
    if (res) replaceResponse(c, res);
  };
}

/**
 * One request's side of the middleware, handed to the engine as both its headers and its start options: one
 * object, no closures. What a route that never touches the session would otherwise pay for waits for the
 * session's first use: the request's headers are read then (workerd makes a request's Headers object on its
 * first read, about 0.8 us, measured on such a route), and Hono's response methods are watched from then on
 * (see responses.ts; a response made before gets its cookies on a copy, as any response the context did not make).
 */
class RequestHooks implements RequestHeaders, StartOptions {
  /** The responses the context made once the session was used (see responses.ts). */
  made: Made | undefined = undefined;
  /**
   * `c.executionCtx` throws where there is none (app.request() in tests, Node): it is touched only when an event
   * is delivered, where the throw is caught, never on every request (a throw costs microseconds).
   */
  readonly waitUntil: WaitUntil | undefined;
  readonly #c: Context;

  constructor(c: Context, sendsEvents: boolean) {
    this.#c = c;
    this.waitUntil = sendsEvents ? (promise) => c.executionCtx.waitUntil(promise) : undefined;
  }

  get(name: string): string | null {
    return this.#c.req.raw.headers.get(name);
  }

  onFirstUse(): void {
    this.made = recordResponses(this.#c);
  }
}

/**
 * The session the `session()` middleware put on `c`, for a helper registered after it (`requireSession()`,
 * `requireCsrfToken()`...); a {@link SessionConfigError} naming `helper` when there is none. Read with `c.get()`,
 * not `c.var.session`: Hono builds `c.var` anew from every variable on each read.
 *
 * @example
 * ```ts
 * return async function requireSession(c, next) {
 *   const session = registeredSession(c, "requireSession");
 * };
 * ```
 */
export function registeredSession<Data extends SessionData>(
  c: Context<{ Variables: SessionVariables<Data> }>,
  helper: string,
): Session<Data> {
  const session = c.get("session");
  if (!session) throw new SessionConfigError(`${helper}() needs the session() middleware registered before it`);
  return session;
}

/** No Set-Cookie values: one array for every untouched request. */
const NONE: string[] = [];

/** Hands Hono exactly `res`: its `c.res` setter copies the previous response's headers onto the new one. */
function replaceResponse(c: Context, res: Response): void {
  c.res = undefined;
  c.res = res;
}
