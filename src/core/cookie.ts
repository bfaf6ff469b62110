import { SessionConfigError } from "./errors.js";
import { checkKeys, type KnownKeys } from "./known-keys.js";

export type SameSite = "Strict" | "Lax" | "None";

/** Session cookie attributes. */
export interface CookieOptions {
  /** Default `"__Host-session"` (which forces Secure, Path=/ and no Domain). */
  name?: string | undefined;
  /** Default `"/"`. */
  path?: string | undefined;
  /** Default none (host-only). Not allowed with a `__Host-` name. */
  domain?: string | undefined;
  /** Default `"Lax"`. `"None"` requires `secure`. */
  sameSite?: SameSite | "strict" | "lax" | "none" | undefined;
  /** Default `true`. Required by `__Host-`/`__Secure-` names and by SameSite=None. */
  secure?: boolean | undefined;
  /** Default `true`: scripts cannot read the session cookie. */
  httpOnly?: boolean | undefined;
  /** Default `false`. CHIPS partitioned cookie; requires `secure`. */
  partitioned?: boolean | undefined;
  /**
   * Default 1 (off). Cookie mode (with or without `overflow:`): a session sealed once may be split over up to
   * this many cookies, `<name>`, `<name>.1` ... `<name>.<chunks - 1>`, each within 4096 bytes (name + value)
   * and with the same attributes. A whole number from 1 to 10; not with `store:` (its cookie is a small id).
   */
  chunks?: number | undefined;
  /**
   * Default 4096. Longest `Set-Cookie` line written, counted without the `Set-Cookie: ` header name: name, `=`,
   * value and every attribute (the longest `Max-Age` the app sends included). Some proxies and front ends drop
   * a longer line whole, while browsers only limit name + value to 4096 bytes. Each cookie (or chunk) then
   * carries 4096 less the name, "=" and the attributes (41 bytes with the defaults, 56 with a `lifetime` of a day); cookies
   * written by an earlier version, up to 4096 bytes of name + value, still open. A whole number from 1024 to
   * 8192; above 4096 only the attributes gain room (name + value stay within 4096).
   */
  maxLineBytes?: number | undefined;
}

const COOKIE_OPTIONS: KnownKeys<CookieOptions> = {
  name: true,
  path: true,
  domain: true,
  sameSite: true,
  secure: true,
  httpOnly: true,
  partitioned: true,
  chunks: true,
  maxLineBytes: true,
};

/** Most cookies one session may be split over (`cookie.chunks`). */
const MAX_CHUNKS = 10;

/**
 * Most chunks of a partitioned cookie: Chrome keeps at most 10 KiB of partitioned cookies (name + value) per
 * site in each top-level partition (the CHIPS limit), so a third 4 KB chunk would evict the others.
 */
const MAX_PARTITIONED_CHUNKS = 2;

/**
 * Longest cookie name allowed with `chunks` above 1: every chunk then still carries at least 3 KB of the
 * sealed session (a longer name would eat what chunking is for).
 */
const MAX_CHUNKED_NAME = 1024;

/** Bounds of `cookie.maxLineBytes`: below 1024 a session holds next to nothing; above 8192 most servers refuse the header. */
const MIN_LINE = 1024;
const MAX_LINE = 8192;

/**
 * Value characters a cookie must keep within `cookie.maxLineBytes` after its name, the attributes and the
 * longest `Max-Age` (`; Max-Age=` and 16 digits): a line budget that leaves less is refused at start-up.
 */
const MIN_LINE_VALUE = 512;
const LONGEST_MAX_AGE = "; Max-Age=".length + String(Number.MAX_SAFE_INTEGER).length;

/** Validated cookie settings with the attribute suffix precomputed once. */
export interface ResolvedCookie {
  readonly name: string;
  /** `; Path=/; HttpOnly; Secure; SameSite=Lax` etc. */
  readonly attributes: string;
  /** How many cookies a session may take: 1 = one cookie, no chunk names. */
  readonly chunks: number;
  /** Longest `Set-Cookie` line written (`cookie.maxLineBytes`), without the header name. */
  readonly maxLineBytes: number;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Printable ASCII without ';' (which would start a new attribute) and without spaces.
const PATH = /^\/[\x21-\x3A\x3C-\x7E]*$/;
const DOMAIN = /^\.?[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** Validates cookie options at start-up; contradictory or injectable settings throw `SessionConfigError`. */
export function resolveCookie(options: CookieOptions = {}): ResolvedCookie {
  checkKeys(options, COOKIE_OPTIONS, "cookie");
  const name = options.name ?? "__Host-session";
  const path = options.path ?? "/";
  const { domain } = options;
  const secure = options.secure ?? true;
  const httpOnly = options.httpOnly ?? true;
  const partitioned = options.partitioned ?? false;
  const sameSite = normalizeSameSite(options.sameSite ?? "Lax");
  const chunks = options.chunks === undefined ? 1 : options.chunks; // null is refused, not read as "off"
  const maxLineBytes = options.maxLineBytes === undefined ? 4096 : options.maxLineBytes;

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
    throw new SessionConfigError(
      `a cookie named "${name}" (prefix "__Http-" or "__Host-Http-", in any case) needs secure: true and httpOnly: true`,
    );
  }
  if (sameSite === "None" && !secure) {
    throw new SessionConfigError('sameSite: "None" needs secure: true (browsers drop it otherwise)');
  }
  if (partitioned && !secure) throw new SessionConfigError("partitioned cookies need secure: true");
  if (typeof chunks !== "number" || !Number.isSafeInteger(chunks) || chunks < 1 || chunks > MAX_CHUNKS) {
    throw new SessionConfigError(`cookie.chunks must be a whole number from 1 (one cookie) to ${MAX_CHUNKS}`);
  }
  if (partitioned && chunks > MAX_PARTITIONED_CHUNKS) {
    throw new SessionConfigError(
      `partitioned cookies take at most cookie.chunks: ${MAX_PARTITIONED_CHUNKS} (browsers keep 10 KiB of partitioned cookies per site and partition)`,
    );
  }
  if (chunks > 1 && name.length > MAX_CHUNKED_NAME) {
    throw new SessionConfigError(`cookie.name must be at most ${MAX_CHUNKED_NAME} characters with cookie.chunks above 1`);
  }

  let attributes = `; Path=${path}`;
  if (domain !== undefined) attributes += `; Domain=${domain}`;
  if (httpOnly) attributes += "; HttpOnly";
  if (secure) attributes += "; Secure";
  attributes += `; SameSite=${sameSite}`;
  if (partitioned) attributes += "; Partitioned";
  if (typeof maxLineBytes !== "number" || !Number.isSafeInteger(maxLineBytes) || maxLineBytes < MIN_LINE || maxLineBytes > MAX_LINE) {
    throw new SessionConfigError(`cookie.maxLineBytes must be a whole number from ${MIN_LINE} to ${MAX_LINE}`);
  }
  // The longest chunk name ("<name>.9") with its "=": what is left must still carry a useful piece.
  const left = maxLineBytes - name.length - (chunks > 1 ? 2 : 0) - 1 - attributes.length - LONGEST_MAX_AGE;
  if (left < MIN_LINE_VALUE) {
    throw new SessionConfigError(
      `cookie.maxLineBytes (${maxLineBytes}) leaves ${Math.max(0, left)} bytes of value after the name and attributes; at least ${MIN_LINE_VALUE} are needed`,
    );
  }
  return { name, attributes, chunks, maxLineBytes };
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

/**
 * `Set-Cookie` value. `maxAge` 0 means a browser-session cookie; use {@link expiredCookie} to delete. `name`
 * is the cookie's own name unless a chunk's (`<name>.1`...), which shares its attributes.
 */
export function serializeCookie(cookie: ResolvedCookie, value: string, maxAge: number, name = cookie.name): string {
  return maxAge > 0 ? `${name}=${value}; Max-Age=${maxAge}${cookie.attributes}` : `${name}=${value}${cookie.attributes}`;
}

/** `Set-Cookie` value that makes the browser drop the cookie (or the chunk `name`). */
export function expiredCookie(cookie: ResolvedCookie, name = cookie.name): string {
  return `${name}=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT${cookie.attributes}`;
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
 * Finds a cookie and its chunks in one pass over a Cookie header, by the rules of {@link findCookie}: entry
 * `k` of the result is what the header holds under `<name>` (k = 0) or `<name>.<k>` (k = 1 to `count - 1`,
 * at most 9: one digit). Every occurrence of `name` is examined once, chunk names included (they start with
 * it), so the work stays linear in the header whatever `count` is.
 */
export function findCookies(header: string | null | undefined, name: string, count: number): CookieLookup[] {
  const found: CookieLookup[] = Array.from({ length: count }, () => ({ found: 0 }));
  if (!header || !name) return found;
  let at = header.indexOf(name);
  while (at !== -1) {
    const index = chunkIndexAt(header, at + name.length, count);
    const eq = index === -1 ? -1 : equalsAfterName(header, at, name.length + (index ? 2 : 0));
    if (eq === -1) {
      at = header.indexOf(name, at + 1);
      continue;
    }
    let stop = header.indexOf(";", eq + 1);
    if (stop === -1) stop = header.length;
    found[index] = found[index]!.found === 0 ? { found: 1, value: trimmed(header, eq + 1, stop) } : { found: "many" };
    at = header.indexOf(name, stop + 1);
  }
  return found;
}

/**
 * Which name an occurrence ending at `end` is: 0 when the name itself (nothing or spaces and "=" follow), `k`
 * when ".k" follows (k = 1 to `count - 1`), -1 when ".k" names no chunk of ours (".0", ".12", a k too large).
 */
function chunkIndexAt(s: string, end: number, count: number): number {
  if (s.charCodeAt(end) !== DOT) return 0;
  const index = s.charCodeAt(end + 1) - DIGIT_ZERO;
  return index >= 1 && index < count ? index : -1;
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
const DOT = 0x2e;
const DIGIT_ZERO = 0x30;

function trimmed(s: string, from: number, to: number): string {
  while (from < to && isSpace(s.charCodeAt(from))) from++;
  while (to > from && isSpace(s.charCodeAt(to - 1))) to--;
  return s.slice(from, to);
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09;
}
