import { base64url } from "jose";
import { expiredCookie, findCookie, findCookies, serializeCookie, type CookieLookup, type ResolvedCookie } from "./cookie.js";
import { SessionTooLargeError } from "./errors.js";
import { COOKIE_LIMIT } from "./token.js";

/**
 * A session split over cookies (`cookie.chunks` above 1). The session is sealed once; its value is cut into
 * pieces, each cookie's whole `Set-Cookie` line within `cookie.maxLineBytes` (and its name + value within 4096 bytes):
 *
 * - fits one cookie: `<name>=<sealed>`, exactly as without chunks;
 * - `n` chunks (2 to 10): `<name>=<n>~<id>~<piece 0>`, then `<name>.<k>=<id>~<piece k>` for k = 1 to n - 1.
 *
 * `id` is 8 random base64url characters per write: a mixture of two writes (two tabs whose responses
 * crossed, a chunk left from an older write) is refused as `"chunks"` before any crypto, and a mixture
 * that claims one id still fails the JWE's authentication, which covers the whole value. Every write sets or
 * expires every chunk name up to the configured maximum, so the jar holds one write's chunks whichever
 * response arrived last.
 */

/** Characters of the per-write id. */
const ID_LENGTH = 8;
const TILDE = 0x7e;
/** `<count>~<id>~` at the start of the first cookie of a split session. */
const HEAD = /^([1-9]\d?)~([A-Za-z0-9_-]{8})~/;

/** What the Cookie header holds for the session: the sealed value (reassembled), or why none is trusted. */
export type SessionCookie =
  | CookieLookup
  /** Chunks that do not make one write: missing, extra, of two writes, or a count beyond the maximum. */
  | { found: "chunks" };

const CHUNKS: SessionCookie = { found: "chunks" };

/**
 * Reads the session's cookie, and its chunks only when `cookie.chunks` is above 1 (otherwise this is
 * exactly {@link findCookie}). Every refusal is decided here, before any crypto; two cookies of one name are
 * `"many"`, as without chunks.
 */
export function readSessionCookie(header: string | null | undefined, cookie: ResolvedCookie): SessionCookie {
  if (cookie.chunks === 1) return findCookie(header, cookie.name);
  const found = findCookies(header, cookie.name, cookie.chunks);
  if (found.some((lookup) => lookup.found === "many")) return { found: "many" };
  const first = found[0]!;
  if (first.found !== 1) return found.some((lookup) => lookup.found === 1) ? CHUNKS : first;
  const { value } = first;
  // A sealed value starts with its header ("eyJ"), never with a digit: a digit starts a chunk count.
  if (!isDigit(value.charCodeAt(0))) return found.every((lookup, k) => k === 0 || lookup.found === 0) ? first : CHUNKS;
  const head = HEAD.exec(value);
  const count = head ? Number(head[1]) : 0;
  if (!head || count < 2 || count > cookie.chunks) return CHUNKS;
  const id = head[2]!;
  let sealed = value.slice(head[0].length);
  for (let k = 1; k < cookie.chunks; k++) {
    const chunk = found[k]!;
    if (k >= count) {
      if (chunk.found !== 0) return CHUNKS;
      continue;
    }
    if (chunk.found !== 1 || !chunk.value.startsWith(id) || chunk.value.charCodeAt(ID_LENGTH) !== TILDE) return CHUNKS;
    sealed += chunk.value.slice(ID_LENGTH + 1);
  }
  return { found: 1, value: sealed };
}

/**
 * Longest sealed value worth opening: 4096 bytes less the name in one cookie, or what `cookie.chunks` cookies
 * hold after their names and chunk headers. Not lowered by `cookie.maxLineBytes`, so cookies written before
 * it (or under a larger one) still open.
 */
export function valueLimit(cookie: ResolvedCookie): number {
  return capacity(cookie.name.length, cookie.chunks, COOKIE_LIMIT);
}

/**
 * Longest sealed value written: what the session's cookies carry with every `Set-Cookie` line within
 * `cookie.maxLineBytes`, reckoned with the longest `Max-Age` sent (`lifetime`, seconds; 0 sends none).
 *
 * @example
 * ```ts
 * writeLimit(resolveCookie(), 86400); // 4026: 4096 less "__Host-session=", "; Max-Age=86400" and the default attributes
 * ```
 */
export function writeLimit(cookie: ResolvedCookie, lifetime: number): number {
  return capacity(cookie.name.length, cookie.chunks, lineBudget(cookie, lifetime));
}

/**
 * The `Set-Cookie` values that carry `value`: one cookie when it fits (as without chunks), else the fewest
 * chunks that hold it; with chunks on, every chunk name above those is expired, whatever the request carried
 * (a concurrent tab may have written more). Throws `SessionTooLargeError` beyond {@link valueLimit}.
 */
export function sessionCookies(cookie: ResolvedCookie, value: string, maxAge: number): string[] {
  const { name, chunks } = cookie;
  const limit = lineBudget(cookie, maxAge);
  if (chunks === 1 && value.length <= capacity(name.length, 1, limit)) return [serializeCookie(cookie, value, maxAge)];
  let count = 1;
  while (count <= chunks && value.length > capacity(name.length, count, limit)) count++;
  if (count > chunks) throw new SessionTooLargeError(name.length + value.length, name.length + capacity(name.length, chunks, limit));
  const cookies: string[] = [];
  if (count === 1) cookies.push(serializeCookie(cookie, value, maxAge));
  else {
    const id = base64url.encode(crypto.getRandomValues(new Uint8Array((ID_LENGTH * 3) / 4)));
    let from = firstCapacity(name.length, count, limit);
    cookies.push(serializeCookie(cookie, `${count}~${id}~${value.slice(0, from)}`, maxAge));
    const step = chunkCapacity(name.length, limit);
    for (let k = 1; k < count; k++, from += step) {
      cookies.push(serializeCookie(cookie, `${id}~${value.slice(from, from + step)}`, maxAge, `${name}.${k}`));
    }
  }
  for (let k = count; k < chunks; k++) cookies.push(expiredCookie(cookie, `${name}.${k}`));
  return cookies;
}

/** Every name the session's cookies take: `<name>`, then `<name>.1` to `<name>.<chunks - 1>`. */
export function cookieNames(cookie: ResolvedCookie): string[] {
  const names = [cookie.name];
  for (let k = 1; k < cookie.chunks; k++) names.push(`${cookie.name}.${k}`);
  return names;
}

/** The `Set-Cookie` values that remove the session's cookie and every chunk name it may have used. */
export function expiredCookies(cookie: ResolvedCookie): string[] {
  return cookieNames(cookie).map((name) => expiredCookie(cookie, name));
}

/**
 * Bytes of name + value each cookie may take: 4096 (browsers), and less when the `Set-Cookie` line with
 * its "=", `; Max-Age=<maxAge>` (none for 0) and the attributes would pass `cookie.maxLineBytes`.
 */
function lineBudget(cookie: ResolvedCookie, maxAge: number): number {
  const maxAgeLength = maxAge > 0 ? "; Max-Age=".length + String(maxAge).length : 0;
  return Math.min(COOKIE_LIMIT, cookie.maxLineBytes - 1 - maxAgeLength - cookie.attributes.length);
}

/** Value characters `count` cookies carry within `limit` bytes of name + value each (chunk suffixes and headers counted). */
function capacity(nameLength: number, count: number, limit: number): number {
  if (count === 1) return limit - nameLength;
  return firstCapacity(nameLength, count, limit) + (count - 1) * chunkCapacity(nameLength, limit);
}

/** `<name>=<count>~<id>~...` */
function firstCapacity(nameLength: number, count: number, limit: number): number {
  return limit - nameLength - String(count).length - ID_LENGTH - 2;
}

/** `<name>.<k>=<id>~...` */
function chunkCapacity(nameLength: number, limit: number): number {
  return limit - nameLength - 2 - ID_LENGTH - 1;
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}
