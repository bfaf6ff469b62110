import { base64url } from "jose";
import { SessionConfigError } from "../core/errors.js";
import { checkKeys } from "../core/known-keys.js";
import type { ImporterCookieOptions, ImportRead, SessionImporter } from "./importer.js";
import { isPlainData } from "./importer.js";

/** Options of {@link ironSession}: iron-session's own `cookieName` and `password` (a string or its map). */
export interface IronSessionImportOptions extends ImporterCookieOptions {
  cookieName: string;
  /** iron-session's `password`: one string (id `1`), or the map `{ 2: "new", 1: "old" }`, each 32+ characters. */
  password: string | Readonly<Record<string | number, string>>;
}

/** Iron's seal format (iron-webcrypto, the iron-session v8/v9 defaults): prefix and clock skew. */
const PREFIX = "Fe26.2";
const SKEW_MS = 60_000;
/** iron-session splits a large seal over `<name>.0` to `<name>.3`. */
const CHUNKS = 4;

/**
 * Reads iron-session cookies (v8 and v9: iron's `Fe26.2` seal, AES-256-CBC and HMAC-SHA-256 keys from the
 * password by PBKDF2), with Web Crypto alone: no iron dependency.
 *
 * @example
 * ```ts
 * const from = ironSession({ cookieName: "my_app", password: { 2: env.IRON_PASSWORD, 1: env.IRON_PASSWORD_OLD } });
 * await migrateSession(request.headers, session, from);
 * ```
 */
export function ironSession(options: IronSessionImportOptions): SessionImporter {
  checkKeys(options, { cookieName: true, password: true, path: true, domain: true }, "ironSession");
  const { cookieName, password, path = "/", domain } = options;
  const passwords: Readonly<Record<string, string>> = typeof password === "string" ? { 1: password } : password;
  for (const secret of Object.values(passwords))
    if (typeof secret !== "string" || secret.length < 32)
      throw new SessionConfigError("ironSession needs iron-session's password: a string of 32+ characters, or a map of them");
  const chunkNames = Array.from({ length: CHUNKS }, (_, k) => `${cookieName}.${k}`);
  return {
    from: "iron-session",
    cookieNames: [cookieName, ...chunkNames],
    path,
    domain,
    // The whole seal, else its chunks up to the first gap (iron-session's own reading; the HMAC covers the whole).
    read: async (cookies, now) => {
      const unsealed = await unsealIron(cookies.get(cookieName) || joined(cookies, chunkNames), passwords, now);
      if (!unsealed.ok) return unsealed;
      return isPlainData(unsealed.value) ? { ok: true, data: unsealed.value } : { ok: false, reason: "invalid" };
    },
  };
}

function joined(cookies: ReadonlyMap<string, string>, names: readonly string[]): string {
  let seal = "";
  for (const name of names) {
    const part = cookies.get(name);
    if (!part) break;
    seal += part;
  }
  return seal;
}

/** What iron's `unseal` gives: the sealed JSON value, or why not. */
export type IronRead = { ok: true; value: unknown } | Extract<ImportRead, { ok: false }>;

/**
 * iron's `unseal` (`Fe26.2`, iron-webcrypto's defaults, which iron-session and hono-sessions use), returning
 * why it failed instead of throwing. `passwords` by id: a seal made with one plain password has the id
 * `"default"`.
 */
export async function unsealIron(sealed: string, passwords: Readonly<Record<string, string>>, now: number): Promise<IronRead> {
  const tilde = sealed.indexOf("~"); // iron-session's version marker, outside the HMAC: ignored, as iron-session does
  const parts = (tilde === -1 ? sealed : sealed.slice(0, tilde)).split("*");
  if (parts.length !== 8) return { ok: false, reason: "invalid" };
  const [prefix, passwordId, encryptionSalt = "", iv = "", encrypted = "", expiration, hmacSalt = "", hmac = ""] = parts;
  if (prefix !== PREFIX) return { ok: false, reason: "invalid" };
  if (expiration && !/^[1-9]\d*$/.test(expiration)) return { ok: false, reason: "invalid" };
  // Own string entries only: an id such as "constructor" must not reach Object.prototype (a known "password").
  const id = passwordId || "default";
  const secret = Object.hasOwn(passwords, id) ? passwords[id] : undefined;
  if (typeof secret !== "string") return { ok: false, reason: "unknown-password" };
  try {
    const macKey = await derive(secret, hmacSalt, { name: "HMAC", hash: "SHA-256", length: 256 }, ["verify"]);
    const base = parts.slice(0, 6).join("*");
    if (!(await crypto.subtle.verify("HMAC", macKey, base64url.decode(hmac), new TextEncoder().encode(base))))
      return { ok: false, reason: "invalid" };
    // Checked only once the HMAC vouches for it, as everything else.
    if (expiration && Number(expiration) <= now - SKEW_MS) return { ok: false, reason: "expired" };
    const key = await derive(secret, encryptionSalt, { name: "AES-CBC", length: 256 }, ["decrypt"]);
    const plain = await crypto.subtle.decrypt({ name: "AES-CBC", iv: base64url.decode(iv) }, key, base64url.decode(encrypted));
    return { ok: true, value: JSON.parse(new TextDecoder().decode(plain)) as unknown };
  } catch {
    return { ok: false, reason: "invalid" }; // bad base64url, padding or JSON under a valid HMAC: not worth a 500
  }
}

type DerivedKeyAlgorithm = Parameters<SubtleCrypto["deriveKey"]>[2];
type KeyUsages = Parameters<SubtleCrypto["deriveKey"]>[4];

/** iron's key derivation: PBKDF2-SHA-1, one iteration, the salt's text as bytes. */
async function derive(password: string, salt: string, algorithm: DerivedKeyAlgorithm, usages: KeyUsages): Promise<CryptoKey> {
  const encoder = new TextEncoder();
  const base = await crypto.subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "PBKDF2", salt: encoder.encode(salt), iterations: 1, hash: "SHA-1" },
    base,
    algorithm,
    false,
    usages,
  );
}
