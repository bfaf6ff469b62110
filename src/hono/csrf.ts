import type { Context, MiddlewareHandler } from "hono";
import type { SessionData } from "../core/envelope.js";
import { SessionConfigError, SessionCsrfError, type CsrfFailure } from "../core/errors.js";
import { checkKeys, type KnownKeys } from "../core/known-keys.js";
import type { Session } from "../core/session.js";
import { registeredSession, type SessionVariables } from "./adapter.js";
import { crossSiteCheck, type AllowedOrigins } from "./cross-site.js";

/**
 * Options of {@link requireCsrfToken} and {@link csrfChecker}.
 *
 * @example
 * ```ts
 * const options: CsrfOptions = { header: "X-CSRF-Token", field: "_csrf", onRefused: "throw" };
 * app.use(requireCsrfToken(options));
 * ```
 */
export interface CsrfOptions {
  /** Request header carrying the token (fetch, HTMX). Default `"X-CSRF-Token"`. */
  header?: string | undefined;
  /** Form field carrying the token (urlencoded or multipart forms). Default `"_csrf"`. */
  field?: string | undefined;
  /** Other origins whose pages may send unsafe requests (see `staySignedIn`). Default: none but the request's own. */
  origin?: AllowedOrigins | undefined;
  /**
   * `"json"` (default): a 403 `{ "code": "CSRF", "reason" }`, never cached; `"throw"`: a {@link SessionCsrfError}
   * for `app.onError`.
   */
  onRefused?: "json" | "throw" | undefined;
}

const CSRF_OPTIONS: KnownKeys<CsrfOptions> = { header: true, field: true, origin: true, onRefused: true };
const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * The check {@link requireCsrfToken} makes, without Hono (for `sessionEngine` apps): returns a function of the
 * request and its session that answers why it must be refused, or undefined. Safe methods (GET, HEAD,
 * OPTIONS) pass; any other needs a same-site origin (`Sec-Fetch-Site` / `Origin`, as `staySignedIn` checks)
 * and the session's token in the header or the form field. It reads a form body from a clone: the handler
 * can still read the request.
 *
 * @example
 * ```ts
 * const csrf = csrfChecker();
 * const refused = await csrf(request, session);
 * if (refused) return new SessionCsrfError(refused).getResponse();
 * ```
 */
export function csrfChecker(options: CsrfOptions = {}): (request: Request, session: Session<any>) => Promise<CsrfFailure | undefined> {
  const check = requestCheck(options);
  return async (request, session) => {
    const verdict = check(request, session);
    return typeof verdict === "object" ? failureOf(await verdict) : verdict;
  };
}

/**
 * The check of one request, from validated options: `undefined` (a safe method: it passes) or a failure at once,
 * without a promise; a promise only for the token's verdict (`true`: it is the session's), which needs the
 * session loaded. Safe methods and the other site's posts cost no promise, and a valid token costs one chain
 * of `then`s, not the frames of async functions awaiting one another (the largest allocation a token check
 * made, profiled with --heap).
 */
function requestCheck(options: CsrfOptions): (request: Request, session: Session<any>) => CsrfFailure | undefined | Promise<Verdict> {
  if (typeof options !== "object" || options === null) {
    throw new SessionConfigError("requireCsrfToken() takes an optional object { header?, field?, origin?, onRefused? }");
  }
  checkKeys(options, CSRF_OPTIONS, "requireCsrfToken() options");
  const { header = "X-CSRF-Token", field = "_csrf", onRefused } = options;
  if (typeof header !== "string" || !/^[!#$%&'*+.^`|~\w-]+$/.test(header))
    throw new SessionConfigError("requireCsrfToken({ header }) must be a header name");
  if (typeof field !== "string" || field === "") throw new SessionConfigError("requireCsrfToken({ field }) must be a non-empty string");
  if (onRefused !== undefined && onRefused !== "json" && onRefused !== "throw") {
    throw new SessionConfigError(`requireCsrfToken({ onRefused }) must be "json" or "throw"`);
  }
  const crossSite = crossSiteCheck(options.origin, "requireCsrfToken");
  return (request, session) => {
    if (SAFE.has(request.method)) return undefined;
    if (crossSite(request)) return "cross-site";
    const token = request.headers.get(header);
    if (token !== null) return session.verifyCsrf(token);
    return formToken(request, field).then<Verdict>((found) => (found === undefined ? "missing" : session.verifyCsrf(found)));
  };
}

/** A token's verdict: the session's (`true`), not (`false`), or no token in the form either. */
type Verdict = boolean | "missing";

function failureOf(verdict: Verdict): CsrfFailure | undefined {
  return verdict === true ? undefined : verdict === false ? "invalid" : verdict;
}

/** The token from a form body, read from a clone; undefined for other bodies or no such field. */
async function formToken(request: Request, field: string): Promise<string | undefined> {
  const type = request.headers.get("Content-Type") ?? "";
  if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i.test(type)) return undefined;
  try {
    const value = (await request.clone().formData()).get(field);
    return typeof value === "string" ? value : undefined;
  } catch {
    return undefined; // a malformed body: no token, refused as missing
  }
}

/**
 * Hono middleware that refuses unsafe requests (POST, PUT, PATCH, DELETE...) without this session's CSRF token
 * (from {@link Session.csrfToken}, in the `X-CSRF-Token` header or the `_csrf` form field) or from another
 * site's page: 403 `{ "code": "CSRF", "reason" }`, or {@link SessionCsrfError} with `onRefused: "throw"`.
 * A request without a session (or whose session is new) has no valid token: put it on routes for signed-in
 * users; the login form is covered by the same-site check and `SameSite=Lax` (see docs/controls.md).
 *
 * @example
 * ```ts
 * app.use("/account/*", requireCsrfToken());
 * app.get("/account/transfer", async (c) => c.html(`<form method="post"><input type="hidden" name="_csrf" value="${await c.var.session.csrfToken()}">...</form>`));
 * ```
 */
export function requireCsrfToken<Data extends SessionData = SessionData>(
  options: CsrfOptions = {},
): MiddlewareHandler<{ Variables: SessionVariables<Data> }> {
  const check = requestCheck(options);
  const throws = options.onRefused === "throw";
  const refuse = (c: Context, refused: CsrfFailure): Response => {
    if (throws) throw new SessionCsrfError(refused);
    return c.json({ code: "CSRF", reason: refused }, 403, { "Cache-Control": "no-store" });
  };
  return function requireCsrfToken(c, next) {
    const verdict = check(c.req.raw, registeredSession(c, "requireCsrfToken"));
    if (verdict === undefined) return next();
    if (typeof verdict === "string") return Promise.resolve(refuse(c, verdict));
    return verdict.then<Response | void>((found) => {
      const refused = failureOf(found);
      return refused === undefined ? next() : refuse(c, refused);
    });
  };
}
