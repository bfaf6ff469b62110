import { resolveCookie } from "../core/cookie.js";
import { sessionEngine } from "../engine.js";
import { isObject, type SessionData } from "../core/envelope.js";
import { SessionConfigError } from "../core/errors.js";
import type { SessionEngineOptions } from "../core/options.js";
import type { Session } from "../core/session.js";

/** The app's session options (the same object you give `session()`), plus what a test needs. */
export type TestSessionOptions<C = unknown> = SessionEngineOptions<C> & {
  /**
   * What option functions receive: for `secret: (c) => c.env.SESSION_SECRET` (Hono's `c`), pass
   * `{ env }`. Default `undefined`.
   */
  context?: C;
};

export type SessionCookieOptions<Data extends SessionData = SessionData, C = unknown> = TestSessionOptions<C> & {
  /** The session's data: at least one key (the library stores no empty session). */
  data: Data;
  /** Flash values the first request reads. */
  flash?: Record<string, unknown> | undefined;
};

/**
 * A session cookie for a test user, as a `Cookie` header value (`"__Host-session=eyJ..."`): made by the
 * session engine itself from your app's options, so the cookie name, the purpose (default: the cookie
 * name), the id format, the encryption and the mode are the app's. With `store:` or `overflow:`, the
 * session is written to that store too (the app under test must see the same binding); `now:` backdates it.
 *
 * ```ts
 * const cookie = await sessionCookie({ ...sessionOptions, data: { user: "alice" }, context: { env } });
 * const res = await app.request("/account", { headers: { Cookie: cookie } }, env);
 * ```
 */
export async function sessionCookie<Data extends SessionData = SessionData, C = any>(
  options: SessionCookieOptions<Data, C>,
): Promise<string> {
  if (!isObject(options)) throw new SessionConfigError("sessionCookie needs options { secret, data, ... }");
  const { data, flash, context, ...engineOptions } = options;
  if (!isObject(data)) throw new SessionConfigError("sessionCookie data must be an object");
  if (flash !== undefined && !isObject(flash)) throw new SessionConfigError("sessionCookie flash must be an object when given");
  const request = sessionEngine<Data, C>(engineOptions).start(new Headers(), context as C);
  // The data is the caller's as a whole: set key by key through an untyped view of the same session.
  const session = request.session as unknown as Session<SessionData>;
  for (const [key, value] of Object.entries(data)) session.set(key, value);
  for (const [key, value] of Object.entries(flash ?? {})) request.session.flash(key, value);
  const [setCookie] = await request.commit();
  if (setCookie === undefined)
    throw new SessionConfigError("sessionCookie needs data (or flash) with at least one key: an empty session makes no cookie");
  return setCookie.slice(0, setCookie.indexOf(";"));
}

/** What a response did to the session cookie, as {@link openSetCookie} reads it. */
export type SetSessionCookie<Data extends SessionData = SessionData> =
  /** No Set-Cookie for the session: the browser keeps the cookie it had. */
  | { state: "none" }
  /** The cookie is deleted (logout, or a session emptied or refused). */
  | { state: "cleared"; setCookie: string }
  | {
      state: "set";
      /** The whole Set-Cookie header value (attributes included). */
      setCookie: string;
      /** What the browser sends next: a `Cookie` header value. */
      cookie: string;
      /** The session the cookie opens to, loaded (read-only: nothing is written back). */
      session: Session<Data>;
      /** `await session.all()`: empty when the cookie did not open (see `session.invalid`, `session.expired`). */
      data: Partial<Data>;
    };

/**
 * Reads the session a response set, with the app's options (as for {@link sessionCookie}): whether it set
 * or cleared the cookie, and what the new cookie opens to, through the app's own mode and store. The last
 * Set-Cookie for the name counts, as in a browser.
 *
 * ```ts
 * const set = await openSetCookie(res, { ...sessionOptions, context: { env } });
 * expect(set.state === "set" && set.data).toEqual({ user: "alice" });
 * ```
 */
// C = any: a test names Data (`openSetCookie<Data>(...)`), and TypeScript then infers no other parameter;
// the app's options are typed with its own context (Hono's `Context<...>`), which `unknown` would refuse.
export async function openSetCookie<Data extends SessionData = SessionData, C = any>(
  response: Response,
  options: TestSessionOptions<C>,
): Promise<SetSessionCookie<Data>> {
  if (!isObject(options)) throw new SessionConfigError("openSetCookie needs the app's session options");
  if (!(response instanceof Response)) throw new SessionConfigError("openSetCookie needs a Response");
  const { context, ...engineOptions } = options;
  const { name } = resolveCookie(engineOptions.cookie);
  const setCookie = response.headers
    .getSetCookie()
    .filter((header) => header.startsWith(`${name}=`))
    .at(-1);
  if (setCookie === undefined) return { state: "none" };
  if (/;\s*max-age\s*=\s*0\s*(;|$)/i.test(setCookie)) return { state: "cleared", setCookie };
  const end = setCookie.indexOf(";");
  const cookie = end === -1 ? setCookie : setCookie.slice(0, end);
  const request = sessionEngine<Data, C>(engineOptions).start(new Headers({ Cookie: cookie }), context as C);
  try {
    const session = await request.session.load();
    return { state: "set", setCookie, cookie, session, data: await session.all() };
  } finally {
    await request.abort(); // releases what reading took (a session lock), writes nothing
  }
}
