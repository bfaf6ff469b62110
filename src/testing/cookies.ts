import { resolveCookie } from "../core/cookie.js";
import { sessionEngine } from "../engine.js";
import { isObject, type SessionData } from "../core/envelope.js";
import { SessionConfigError } from "../core/errors.js";
import type { SessionEngineOptions } from "../core/options.js";
import type { Session } from "../core/session.js";
import type { SchemaData, SessionSchema } from "../core/schema.js";

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
 * A session split over `cookie.chunks` comes as every chunk the app reads
 * (`"__Host-session=2~...; __Host-session.1=..."`); with `revocation:` it is sealed as checked, as at login.
 *
 * @example
 * ```ts
 * const cookie = await sessionCookie({ ...sessionOptions, data: { user: "alice" }, context: { env } });
 * const res = await app.request("/account", { headers: { Cookie: cookie } }, env);
 * ```
 */
export async function sessionCookie<S extends SessionSchema, C = any>(
  options: SessionCookieOptions<SchemaData<S>, C> & { schema: S },
): Promise<string>;
export async function sessionCookie<Data extends SessionData = SessionData, C = any>(
  options: SessionCookieOptions<Data, C>,
): Promise<string>;
export async function sessionCookie<Data extends SessionData, C>(options: SessionCookieOptions<Data, C>): Promise<string> {
  if (!isObject(options)) throw new SessionConfigError("sessionCookie needs options { secret, data, ... }");
  const { data, flash, context, ...engineOptions } = options;
  if (!isObject(data)) throw new SessionConfigError("sessionCookie data must be an object");
  if (flash !== undefined && !isObject(flash)) throw new SessionConfigError("sessionCookie flash must be an object when given");
  const request = sessionEngine<Data, C>(engineOptions).start(new Headers(), context as C);
  // The data is the caller's as a whole: set key by key through an untyped view of the same session.
  const session = request.session as unknown as Session<SessionData>;
  for (const [key, value] of Object.entries(data)) session.set(key, value);
  for (const [key, value] of Object.entries(flash ?? {})) request.session.flash(key, value);
  // Every cookie the response sets, chunks included; chunk names it expires (unused) are not sent.
  const cookies = (await request.commit()).filter((setCookie) => !expires(setCookie)).map(pairOf);
  if (!cookies.length)
    throw new SessionConfigError("sessionCookie needs data (or flash) with at least one key: an empty session makes no cookie");
  return cookies.join("; ");
}

/** What a response did to the session cookie, as {@link openSetCookie} reads it. */
export type SetSessionCookie<Data extends SessionData = SessionData> =
  /** No Set-Cookie for the session: the browser keeps the cookie it had. */
  | { state: "none" }
  /** The cookie is deleted (logout, or a session emptied or refused). */
  | {
      state: "cleared";
      /** The Set-Cookie header value of the cookie's own name (attributes included). */
      setCookie: string;
      /** Every Set-Cookie of the session's names (with `cookie.chunks`, `<name>.1`...), in order. */
      setCookies: string[];
    }
  | {
      state: "set";
      /** The whole Set-Cookie header value of the cookie's own name (attributes included). */
      setCookie: string;
      /** Every Set-Cookie of the session's names (with `cookie.chunks`, `<name>.1`...), in order. */
      setCookies: string[];
      /** What the browser sends next: a `Cookie` header value, with every chunk the response set. */
      cookie: string;
      /** The session the cookie opens to, loaded (read-only: nothing is written back). */
      session: Session<Data>;
      /** `await session.all()`: empty when the cookie did not open (see `session.invalid`, `session.expired`). */
      data: Partial<Data>;
    };

/**
 * Reads the session a response set, with the app's options (as for {@link sessionCookie}): whether it set
 * or cleared the cookie, and what the new cookie opens to, through the app's own mode, store and revocation
 * checks. Every Set-Cookie of the session's names counts (its chunks with `cookie.chunks`), applied in order
 * as a browser applies them: the last one for a name wins, an expired one removes its cookie.
 *
 * @example
 * ```ts
 * const set = await openSetCookie(res, { ...sessionOptions, context: { env } });
 * expect(set.state === "set" && set.data).toEqual({ user: "alice" });
 * ```
 */
// C = any: a test names Data (`openSetCookie<Data>(...)`), and TypeScript then infers no other parameter;
// the app's options are typed with its own context (Hono's `Context<...>`), which `unknown` would refuse.
export async function openSetCookie<S extends SessionSchema, C = any>(
  response: Response,
  options: TestSessionOptions<C> & { schema: S },
): Promise<SetSessionCookie<SchemaData<S>>>;
export async function openSetCookie<Data extends SessionData = SessionData, C = any>(
  response: Response,
  options: TestSessionOptions<C>,
): Promise<SetSessionCookie<Data>>;
export async function openSetCookie<Data extends SessionData, C>(
  response: Response,
  options: TestSessionOptions<C>,
): Promise<SetSessionCookie<Data>> {
  if (!isObject(options)) throw new SessionConfigError("openSetCookie needs the app's session options");
  if (!(response instanceof Response)) throw new SessionConfigError("openSetCookie needs a Response");
  const { context, ...engineOptions } = options;
  const { name, chunks } = resolveCookie(engineOptions.cookie);
  const names = [name, ...Array.from({ length: chunks - 1 }, (_, k) => `${name}.${k + 1}`)];
  const setCookies = response.headers.getSetCookie().filter((setCookie) => names.includes(nameOf(setCookie)));
  if (!setCookies.length) return { state: "none" };
  const jar = new Map<string, string>();
  for (const setCookie of setCookies) {
    if (expires(setCookie)) jar.delete(nameOf(setCookie));
    else jar.set(nameOf(setCookie), pairOf(setCookie));
  }
  // A response of the app always sets the cookie's own name with its chunks: the others alone change nothing.
  const setCookie = setCookies.findLast((line) => nameOf(line) === name);
  if (setCookie === undefined) return { state: "none" };
  if (!jar.has(name)) return { state: "cleared", setCookie, setCookies };
  const cookie = names.flatMap((chunk) => jar.get(chunk) ?? []).join("; ");
  const request = sessionEngine<Data, C>(engineOptions).start(new Headers({ Cookie: cookie }), context as C);
  try {
    const session = await request.session.load();
    return { state: "set", setCookie, setCookies, cookie, session, data: await session.all() };
  } finally {
    await request.abort(); // releases what reading took (a session lock), writes nothing
  }
}

/** `name=value` of a Set-Cookie header value: what the browser sends back. */
function pairOf(setCookie: string): string {
  const end = setCookie.indexOf(";");
  return end === -1 ? setCookie : setCookie.slice(0, end);
}

function nameOf(setCookie: string): string {
  return setCookie.slice(0, setCookie.indexOf("=")).trim();
}

/** A Set-Cookie that deletes its cookie (as the library writes one: `Max-Age=0`). */
function expires(setCookie: string): boolean {
  return /;\s*max-age\s*=\s*0\s*(;|$)/i.test(setCookie);
}
