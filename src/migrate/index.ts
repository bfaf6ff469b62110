import type { SessionData } from "../core/envelope.js";
import type { Session } from "../core/session.js";
import type { ImportRefusal, SessionImporter } from "./importer.js";

export { ironSession, type IronSessionImportOptions } from "./iron.js";
export { honoSession, type HonoSessionImportOptions } from "./hono-session.js";
export { honoSessions, type HonoSessionsImportOptions } from "./hono-sessions.js";
export type { ImporterCookieOptions, ImportRead, ImportRefusal, SessionImporter } from "./importer.js";

/** Options of {@link migrateSession}. */
export interface MigrateOptions {
  /** The clock old cookies' expiry is judged by (ms). Default `Date.now`: pass the engine's `now`. */
  now?: (() => number) | undefined;
  /**
   * Largest old session imported, as JSON bytes; a larger one is refused (`too-large`): a fresh session, the old
   * cookie expired. Default 3000, what one cookie holds once sealed; raise it with `overflow`, `store` or
   * `cookie.chunks`, which take more.
   */
  maxBytes?: number | undefined;
}

/** What {@link migrateSession} did. */
export interface MigrateResult {
  /**
   * `imported`: the old data is in the session. `absent`: no old cookie. `kept`: the session had data already,
   * the old cookie is only expired. `refused`: the old cookie was forged, expired, of an unknown password or too
   * large: the session stays fresh.
   */
  outcome: "imported" | "absent" | "kept" | "refused";
  reason?: ImportRefusal;
  /** Set-Cookie lines that expire the old cookie (every name of it the request sent): add them to the response. */
  setCookies: string[];
}

/**
 * Moves a session of the library an app leaves into `session` on the user's first request: the old cookie is
 * opened once with its secret, its data set in the session (sealed by the engine at commit, with a new id), and
 * the old cookie expired by the lines returned. A forged, expired or oversized old cookie leaves a fresh
 * session, never an error. Call it before the handler reads the session, on every request while old cookies
 * may still come back (until their own lifetime has passed).
 *
 * @example
 * ```ts
 * const from = ironSession({ cookieName: "my_app", password: IRON_PASSWORD });
 * const response = await withSession(sessions, request, env, async (session) => {
 *   const { setCookies } = await migrateSession(request.headers, session, from);
 *   const res = new Response(`hello ${(await session.get("user")) ?? "stranger"}`);
 *   for (const line of setCookies) res.headers.append("Set-Cookie", line);
 *   return res;
 * });
 * ```
 */
export async function migrateSession<Data extends SessionData>(
  headers: Headers,
  session: Session<Data>,
  from: SessionImporter,
  options: MigrateOptions = {},
): Promise<MigrateResult> {
  const cookies = cookiesOf(headers.get("Cookie"), from.cookieNames);
  if (!cookies.size) return { outcome: "absent", setCookies: [] };
  const setCookies = [...cookies.keys()].map((name) => expiredLine(name, from));
  if (Object.keys(await session.all()).length) return { outcome: "kept", setCookies };
  const read = await from.read(cookies, (options.now ?? Date.now)());
  if (!read.ok) return { outcome: "refused", reason: read.reason, setCookies };
  if (new TextEncoder().encode(JSON.stringify(read.data)).length > (options.maxBytes ?? 3000))
    return { outcome: "refused", reason: "too-large", setCookies };
  // The data is the old library's as a whole: set key by key through an untyped view of the same session.
  const untyped = session as unknown as Session<SessionData>;
  for (const [key, value] of Object.entries(read.data)) untyped.set(key, value);
  return { outcome: "imported", setCookies };
}

/** The request's cookies of `names` (the first of a repeated name, as the old libraries read it). */
function cookiesOf(header: string | null, names: readonly string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const pair of header?.split(";") ?? []) {
    const equals = pair.indexOf("=");
    if (equals === -1) continue;
    const name = pair.slice(0, equals).trim();
    if (names.includes(name) && !found.has(name)) found.set(name, decodeValue(pair.slice(equals + 1).trim()));
  }
  return found;
}

/** Both libraries write their values URL-encoded (`cookie` and hono/cookie serialize with encodeURIComponent). */
function decodeValue(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function expiredLine(name: string, from: SessionImporter): string {
  const domain = from.domain === undefined ? "" : `; Domain=${from.domain}`;
  return `${name}=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=${from.path}${domain}; HttpOnly; Secure; SameSite=Lax`;
}
