import { SessionConfigError } from "../core/errors.js";
import { checkKeys } from "../core/known-keys.js";
import { isPlainData, type ImporterCookieOptions, type ImportRead, type SessionImporter } from "./importer.js";
import { unsealIron } from "./iron.js";

/** Options of {@link honoSessions}: hono-sessions' `encryptionKey` and `sessionCookieName`. */
export interface HonoSessionsImportOptions extends ImporterCookieOptions {
  /** hono-sessions' `encryptionKey` (32+ characters): what its `CookieStore` sealed the cookie with. */
  encryptionKey: string;
  /**
   * The cookie's name as the browser sends it: hono-sessions' `sessionCookieName` (default `session`), with the
   * `__Host-` or `__Secure-` prefix its `cookieOptions.prefix` adds, if any.
   */
  cookieName?: string | undefined;
}

/**
 * Reads hono-sessions cookies (its `CookieStore`, 0.8: the session as JSON text in an iron `Fe26.2` seal under
 * `encryptionKey`, without a seal expiry): the values of its `_data`, unless its `_expire` has passed. Flash
 * values (`flash()`, meant for the one next read) are left out. With another store the cookie holds only an
 * encrypted id of data kept elsewhere: there is nothing to import.
 *
 * @example
 * ```ts
 * const from = honoSessions({ encryptionKey: env.SESSION_ENCRYPTION_KEY });
 * await migrateSession(request.headers, session, from);
 * ```
 */
export function honoSessions(options: HonoSessionsImportOptions): SessionImporter {
  checkKeys(options, { encryptionKey: true, cookieName: true, path: true, domain: true }, "honoSessions");
  const { encryptionKey, cookieName = "session", path = "/", domain } = options;
  if (typeof encryptionKey !== "string" || encryptionKey.length < 32)
    throw new SessionConfigError("honoSessions needs hono-sessions' encryptionKey: a string of 32+ characters");
  return {
    from: "hono-sessions",
    cookieNames: [cookieName],
    path,
    domain,
    read: async (cookies, now) => {
      // One plain password: iron seals it under the id "default".
      const unsealed = await unsealIron(cookies.get(cookieName) ?? "", { default: encryptionKey }, now);
      return unsealed.ok ? sessionOf(unsealed.value, now) : unsealed;
    },
  };
}

/**
 * The data of hono-sessions' session record, `{ _data: { key: { value, flash } }, _expire, ... }`, sealed as
 * its JSON text. A logged-out cookie seals "" instead: nothing to import.
 */
function sessionOf(sealed: unknown, now: number): ImportRead {
  let record: unknown;
  try {
    record = typeof sealed === "string" ? JSON.parse(sealed) : undefined;
  } catch {
    return { ok: false, reason: "invalid" };
  }
  if (!isPlainData(record) || !isPlainData(record._data)) return { ok: false, reason: "invalid" };
  // hono-sessions' own rule: a session is valid while `_expire` is null or still ahead.
  const expire = record._expire == null ? Infinity : typeof record._expire === "string" ? Date.parse(record._expire) : NaN;
  if (Number.isNaN(expire)) return { ok: false, reason: "invalid" };
  if (expire <= now) return { ok: false, reason: "expired" };
  // fromEntries: a key named "__proto__" stays a plain key.
  const kept = Object.entries(record._data).filter(([, entry]) => isPlainData(entry) && entry.flash !== true && entry.value !== undefined);
  return { ok: true, data: Object.fromEntries(kept.map(([key, entry]) => [key, (entry as { value: unknown }).value])) };
}
