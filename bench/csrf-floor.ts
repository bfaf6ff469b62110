/**
 * The CSRF floor: the work issue 27 asks of a CSRF token and nothing more, written plainly over the same
 * edge-session session, so the cost of edge-session's tokens splits into the work itself (floor / the same POST
 * without tokens) and what edge-session adds to it (edge-session's / floor). Per unsafe request: the method,
 * `Sec-Fetch-Site` (the bench posts same-origin: the `Origin` fallback is not reached), the token header, the
 * session's id once loaded, its secret (HMAC-SHA-256 of the id, computed once per id and kept in a Map), the
 * token decoded and compared in constant time; per answer, a fresh random mask and the masked secret in base64url
 * (BREACH). No options, no form field, no key rotation, no bound on the Map, no typed errors: not a library.
 */
import { base64url } from "jose";
import type { MiddlewareHandler } from "hono";
import type { Session } from "../src/cookie/index.js";

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);
const SIZE = 32;
const encoder = new TextEncoder();

/**
 * The floor's middleware (`verify`) and a token for a loaded session (`mint`: at once once the session's secret
 * is known, as after `verify`), under `secret`.
 */
export function csrfFloor(secret: string): { verify: MiddlewareHandler; mint: (session: Session<any>) => string | Promise<string> } {
  const key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const secrets = new Map<string, Uint8Array>();
  /** Computes and keeps the secret of an id the Map does not hold (both callers look there first, without an await). */
  const secretOf = async (id: string) => {
    const made = new Uint8Array(await crypto.subtle.sign("HMAC", await key, encoder.encode(id)));
    secrets.set(id, made);
    return made;
  };
  const verify: MiddlewareHandler = async (c, next) => {
    const request = c.req.raw;
    if (!SAFE.has(request.method)) {
      if (request.headers.get("Sec-Fetch-Site") !== "same-origin") return c.text("cross-site", 403);
      const token = request.headers.get("X-CSRF-Token") ?? "";
      const session: Session<any> = c.get("session");
      await session.load();
      const mine = secrets.get(session.id) ?? (await secretOf(session.id));
      let bytes: Uint8Array;
      try {
        bytes = base64url.decode(token);
      } catch {
        return c.text("invalid", 403);
      }
      let diff = bytes.length ^ (SIZE * 2);
      for (let i = 0; i < SIZE; i++) diff |= bytes[i]! ^ bytes[SIZE + i]! ^ mine[i]!;
      if (diff !== 0) return c.text("invalid", 403);
    }
    return next();
  };
  const mint = (session: Session<any>): string | Promise<string> => {
    const mine = secrets.get(session.id);
    if (!mine) return secretOf(session.id).then(() => mint(session));
    const token = crypto.getRandomValues(new Uint8Array(SIZE * 2));
    for (let i = 0; i < SIZE; i++) token[SIZE + i] = token[i]! ^ mine[i]!;
    return base64url.encode(token);
  };
  return { verify, mint };
}
