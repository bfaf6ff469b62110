import { jwtDecrypt } from "jose";
import { JWTExpired } from "jose/errors";
import { SessionConfigError } from "../core/errors.js";
import { checkKeys } from "../core/known-keys.js";
import type { ImporterCookieOptions, ImportRead, SessionImporter } from "./importer.js";

/** Options of {@link honoSession}: @hono/session's `secret` (its `AUTH_SECRET`). */
export interface HonoSessionImportOptions extends ImporterCookieOptions {
  secret: string;
  /** The cookie's name. Default `sid`, the one @hono/session writes. */
  cookieName?: string | undefined;
}

/** @hono/session's key: HKDF-SHA-256 of the secret, empty salt, this info, 32 bytes. */
const INFO = new TextEncoder().encode("session jwe cek");
/** The JWT claims @hono/session adds around the data. */
const CLAIMS = new Set(["sid", "iat", "exp"]);

/**
 * Reads stateless @hono/session cookies (`useSession({ secret })` without a storage: the data in a JWE,
 * `dir` + A256GCM). With a `sessionStorage` the cookie holds only an id: there is nothing to import.
 *
 * @example
 * ```ts
 * const from = honoSession({ secret: env.AUTH_SECRET });
 * await migrateSession(request.headers, session, from);
 * ```
 */
export function honoSession(options: HonoSessionImportOptions): SessionImporter {
  checkKeys(options, { secret: true, cookieName: true, path: true, domain: true }, "honoSession");
  const { secret, cookieName = "sid", path = "/", domain } = options;
  if (typeof secret !== "string" || !secret) throw new SessionConfigError("honoSession needs @hono/session's secret (its AUTH_SECRET)");
  let key: Promise<Uint8Array> | undefined;
  return {
    from: "@hono/session",
    cookieNames: [cookieName],
    path,
    domain,
    read: async (cookies, now) => readJwe(cookies.get(cookieName) ?? "", await (key ??= deriveKey(secret)), now),
  };
}

async function readJwe(value: string, key: Uint8Array, now: number): Promise<ImportRead> {
  try {
    const { payload } = await jwtDecrypt(value, key, {
      requiredClaims: ["sid"],
      currentDate: new Date(now),
      keyManagementAlgorithms: ["dir"],
      contentEncryptionAlgorithms: ["A256GCM"],
    });
    return { ok: true, data: Object.fromEntries(Object.entries(payload).filter(([claim]) => !CLAIMS.has(claim))) };
  } catch (error) {
    return { ok: false, reason: error instanceof JWTExpired ? "expired" : "invalid" };
  }
}

async function deriveKey(secret: string): Promise<Uint8Array> {
  const ikm = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), "HKDF", false, ["deriveBits"]);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: INFO }, ikm, 256));
}
