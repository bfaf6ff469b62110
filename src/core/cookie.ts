import { SessionConfigError } from "./errors.js";

export type SameSite = "Strict" | "Lax" | "None";

/** Session cookie attributes. */
export interface CookieOptions {
  /** Default `"__Host-session"` (which forces Secure, Path=/ and no Domain). */
  name?: string;
  /** Default `"/"`. */
  path?: string;
  /** Default none (host-only). Not allowed with a `__Host-` name. */
  domain?: string;
  /** Default `"Lax"`. `"None"` requires `secure`. */
  sameSite?: SameSite | "strict" | "lax" | "none";
  /** Default `true`. Required by `__Host-`/`__Secure-` names and by SameSite=None. */
  secure?: boolean;
  /** Default `true`: scripts cannot read the session cookie. */
  httpOnly?: boolean;
  /** Default `false`. CHIPS partitioned cookie; requires `secure`. */
  partitioned?: boolean;
}

/** Validated cookie settings with the attribute suffix precomputed once. */
export interface ResolvedCookie {
  readonly name: string;
  /** `; Path=/; HttpOnly; Secure; SameSite=Lax` etc. */
  readonly attributes: string;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Printable ASCII without ';' (which would start a new attribute) and without spaces.
const PATH = /^\/[\x21-\x3A\x3C-\x7E]*$/;
const DOMAIN = /^\.?[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** Validates cookie options at start-up; contradictory or injectable settings throw `SessionConfigError`. */
export function resolveCookie(options: CookieOptions = {}): ResolvedCookie {
  const name = options.name ?? "__Host-session";
  const path = options.path ?? "/";
  const { domain } = options;
  const secure = options.secure ?? true;
  const httpOnly = options.httpOnly ?? true;
  const partitioned = options.partitioned ?? false;
  const sameSite = normalizeSameSite(options.sameSite ?? "Lax");

  if (typeof name !== "string" || !TOKEN.test(name)) {
    throw new SessionConfigError("cookie.name must be a non-empty RFC 6265 token (letters, digits, !#$%&'*+-.^_`|~)");
  }
  if (typeof path !== "string" || !PATH.test(path)) {
    throw new SessionConfigError('cookie.path must start with "/" and hold only printable ASCII without ";" or spaces');
  }
  if (domain !== undefined && (typeof domain !== "string" || !DOMAIN.test(domain))) {
    throw new SessionConfigError("cookie.domain must be a plain host name");
  }
  // Browsers match name prefixes case-insensitively (RFC 6265bis): "__HOST-s" is held to the __Host- rules and
  // silently dropped when it breaks them, so every spelling is checked here, at start-up.
  const lower = name.toLowerCase();
  const host = lower.startsWith("__host-");
  if (host && (!secure || path !== "/" || domain !== undefined)) {
    throw new SessionConfigError(`a cookie named "${name}" (prefix "__Host-", in any case) needs secure: true, path: "/" and no domain`);
  }
  if (lower.startsWith("__secure-") && !secure) {
    throw new SessionConfigError(`a cookie named "${name}" (prefix "__Secure-", in any case) needs secure: true`);
  }
  // The newer "__Http-" and "__Host-Http-" prefixes also demand HttpOnly (and Secure).
  if ((lower.startsWith("__http-") || (host && lower.startsWith("http-", 7))) && (!secure || !httpOnly)) {
    throw new SessionConfigError(`a cookie named "${name}" (prefix "__Http-" or "__Host-Http-", in any case) needs secure: true and httpOnly: true`);
  }
  if (sameSite === "None" && !secure) {
    throw new SessionConfigError('sameSite: "None" needs secure: true (browsers drop it otherwise)');
  }
  if (partitioned && !secure) throw new SessionConfigError("partitioned cookies need secure: true");

  let attributes = `; Path=${path}`;
  if (domain !== undefined) attributes += `; Domain=${domain}`;
  if (httpOnly) attributes += "; HttpOnly";
  if (secure) attributes += "; Secure";
  attributes += `; SameSite=${sameSite}`;
  if (partitioned) attributes += "; Partitioned";
  return { name, attributes };
}

function normalizeSameSite(value: string): SameSite {
  switch (typeof value === "string" ? value.toLowerCase() : value) {
    case "strict":
      return "Strict";
    case "lax":
      return "Lax";
    case "none":
      return "None";
    default:
      throw new SessionConfigError('cookie.sameSite must be "Strict", "Lax" or "None"');
  }
}

/** `Set-Cookie` value. `maxAge` 0 means a browser-session cookie; use {@link expiredCookie} to delete. */
export function serializeCookie(cookie: ResolvedCookie, value: string, maxAge: number): string {
  return maxAge > 0
    ? `${cookie.name}=${value}; Max-Age=${maxAge}${cookie.attributes}`
    : `${cookie.name}=${value}${cookie.attributes}`;
}

/** `Set-Cookie` value that makes the browser drop the cookie. */
export function expiredCookie(cookie: ResolvedCookie): string {
  return `${cookie.name}=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT${cookie.attributes}`;
}

/** What the Cookie header holds under one name. */
export type CookieLookup =
  | { found: 0 }
  /** The value as sent; its characters are checked where it is unsealed, in one scan. */
  | { found: 1; value: string }
  /** The name appears more than once: trust none. */
  | { found: "many" };

/**
 * Finds one cookie in a Cookie header. Names are compared byte for byte after trimming only SP and HTAB
 * (RFC 6265): a name padded with other (Unicode) whitespace, such as `\u00A0__Host-session`, is another
 * cookie, so a subdomain cannot forge a `__Host-` cookie that way. `name` is a cookie-name token (as
 * {@link resolveCookie} checks): no `;`, `=` or whitespace.
 *
 * Linear in the header's length whatever it holds: only the places where `name` occurs are examined, each
 * with a look at the spaces around it, so a header of thousands of `=`-less segments (`;;;`, `a;a;`) costs
 * one search, not a rescan per segment.
 */
export function findCookie(header: string | null | undefined, name: string): CookieLookup {
  if (!header || !name) return { found: 0 };
  let value: string | undefined;
  let at = header.indexOf(name);
  while (at !== -1) {
    const eq = equalsAfterName(header, at, name.length);
    if (eq === -1) {
      // Inside another cookie's name or value: look further.
      at = header.indexOf(name, at + 1);
      continue;
    }
    if (value !== undefined) return { found: "many" };
    let stop = header.indexOf(";", eq + 1);
    if (stop === -1) stop = header.length;
    value = trimmed(header, eq + 1, stop);
    at = header.indexOf(name, stop + 1);
  }
  if (value === undefined) return { found: 0 };
  return { found: 1, value };
}

/**
 * Where the "=" of the cookie whose whole name is `s[at, at + length)` is, or -1 when that occurrence is
 * not a whole name: between the start of its segment (the header's start or a ";") and the name, and
 * between the name and the "=", only SP and HTAB.
 */
function equalsAfterName(s: string, at: number, length: number): number {
  let before = at;
  while (before > 0 && isSpace(s.charCodeAt(before - 1))) before--;
  if (before > 0 && s.charCodeAt(before - 1) !== SEMICOLON) return -1;
  let after = at + length;
  while (after < s.length && isSpace(s.charCodeAt(after))) after++;
  return s.charCodeAt(after) === EQUALS ? after : -1;
}

const SEMICOLON = 0x3b;
const EQUALS = 0x3d;

function trimmed(s: string, from: number, to: number): string {
  while (from < to && isSpace(s.charCodeAt(from))) from++;
  while (to > from && isSpace(s.charCodeAt(to - 1))) to--;
  return s.slice(from, to);
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09;
}
