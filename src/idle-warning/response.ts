import { SessionConfigError } from "../core/errors.js";
import { checkKeys, type KnownKeys } from "../core/known-keys.js";
import { IDLE_WARNING_SCRIPT, IDLE_WARNING_SCRIPT_INTEGRITY } from "./script.js";

/** Options of {@link idleWarningScript}. */
export interface IdleWarningScriptOptions {
  /**
   * Seconds browsers and CDNs may keep the script before they ask again (`Cache-Control: max-age`), 0 to
   * 31536000. Default 86400 (a day); after that an unchanged script costs a 304.
   */
  maxAge?: number | undefined;
  /**
   * Adds `immutable`: browsers never revalidate within `maxAge`. Only for a URL that changes with the script,
   * e.g. `/session/idle-warning.js?v=${IDLE_WARNING_SCRIPT_INTEGRITY}`. Default false.
   */
  immutable?: boolean | undefined;
}

const SCRIPT_OPTIONS: KnownKeys<IdleWarningScriptOptions> = { maxAge: true, immutable: true };

/** A Hono context, or anything else that carries the request the same way. */
export interface WithRequest {
  req: { raw: Request };
}

const MAX_AGE_LIMIT = 31_536_000;
/** A strong validator: the script's hash, so a new version of the script is a new ETag. */
const ETAG = `"${IDLE_WARNING_SCRIPT_INTEGRITY.slice("sha256-".length)}"`;

/**
 * Serves the idle-warning browser script: `Content-Type: text/javascript`, a long cache with an ETag (a
 * matching `If-None-Match` gets a 304), `nosniff`. The returned function is a Hono handler
 * (`app.get("/session/idle-warning.js", idleWarningScript())`) and takes a plain `Request` too (any router,
 * or a Worker's `fetch`). It answers GET and HEAD; other methods get a 405. Options are checked here, once:
 * {@link SessionConfigError}.
 *
 * The page loads it as a classic script configured by `data-` attributes (see `IdleWarningOptions`); with a
 * nonce-based CSP, give the tag the page's nonce; with `script-src 'self'`, nothing:
 *
 * @example
 * ```ts
 * app.get("/session/status", sessionStatus());
 * app.post("/session/stay", staySignedIn());
 * app.get("/session/idle-warning.js", idleWarningScript());
 * // in the signed-in pages:
 * // <script src="/session/idle-warning.js" defer data-login-url="/login" data-warn-before="60"></script>
 * ```
 */
export function idleWarningScript(options: IdleWarningScriptOptions = {}): (request: Request | WithRequest) => Response {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new SessionConfigError("idleWarningScript(options) takes an object");
  }
  checkKeys(options, SCRIPT_OPTIONS, "idleWarningScript");
  const { maxAge = 86_400, immutable = false } = options;
  if (typeof maxAge !== "number" || !Number.isSafeInteger(maxAge) || maxAge < 0 || maxAge > MAX_AGE_LIMIT) {
    throw new SessionConfigError(`idleWarningScript: maxAge must be a whole number of seconds from 0 to ${MAX_AGE_LIMIT}`);
  }
  if (typeof immutable !== "boolean") throw new SessionConfigError("idleWarningScript: immutable must be true or false");
  const headers = {
    "Content-Type": "text/javascript; charset=utf-8",
    "Cache-Control": `public, max-age=${maxAge}${immutable ? ", immutable" : ""}`,
    ETag: ETAG,
    "X-Content-Type-Options": "nosniff",
  };
  return function idleWarningScript(input) {
    const request = input instanceof Request ? input : input?.req?.raw;
    if (!(request instanceof Request)) throw new SessionConfigError("idleWarningScript: the handler takes a Request or a Hono context");
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response(null, { status: 405, headers: { Allow: "GET, HEAD" } });
    }
    if (matches(request.headers.get("If-None-Match"))) return new Response(null, { status: 304, headers });
    return new Response(request.method === "HEAD" ? null : IDLE_WARNING_SCRIPT, { headers });
  };
}

/** RFC 9110 13.1.2: `*`, or a list of entity tags compared weakly (W/ ignored). */
function matches(ifNoneMatch: string | null): boolean {
  if (ifNoneMatch === null) return false;
  return ifNoneMatch.split(",").some((tag) => {
    const trimmed = tag.trim();
    return trimmed === "*" || trimmed.replace(/^W\//, "") === ETAG;
  });
}
