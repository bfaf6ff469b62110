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
  if (name.startsWith("__Host-") && (!secure || path !== "/" || domain !== undefined)) {
    throw new SessionConfigError('a "__Host-" cookie needs secure: true, path: "/" and no domain');
  }
  if (name.startsWith("__Secure-") && !secure) {
    throw new SessionConfigError('a "__Secure-" cookie needs secure: true');
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
 * cookie, so a subdomain cannot forge a `__Host-` cookie that way.
 */
export function findCookie(header: string | null | undefined, name: string): CookieLookup {
  if (!header || !header.includes(name)) return { found: 0 };
  let value: string | undefined;
  let start = 0;
  const end = header.length;
  while (start < end) {
    let stop = header.indexOf(";", start);
    if (stop === -1) stop = end;
    const eq = header.indexOf("=", start);
    if (eq !== -1 && eq < stop && trimmed(header, start, eq) === name) {
      if (value !== undefined) return { found: "many" };
      value = trimmed(header, eq + 1, stop);
    }
    start = stop + 1;
  }
  if (value === undefined) return { found: 0 };
  return { found: 1, value };
}

function trimmed(s: string, from: number, to: number): string {
  while (from < to && isSpace(s.charCodeAt(from))) from++;
  while (to > from && isSpace(s.charCodeAt(to - 1))) to--;
  return s.slice(from, to);
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09;
}
