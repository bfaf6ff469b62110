import { SessionConfigError } from "../core/errors.js";

/**
 * Origins besides the request's own whose pages may call a state-changing helper (`staySignedIn()`): an
 * origin (`"https://app.example.com"`: scheme, host and port as a browser sends them in `Origin`), a list
 * of them, or a function of the `Origin` header's value that answers `true` for an allowed one.
 *
 * @example
 * ```ts
 * staySignedIn({ origin: "https://portal.example.com" });
 * staySignedIn({ origin: (origin) => /^https:\/\/[a-z]+\.partner\.example$/.test(origin) });
 * ```
 */
export type AllowedOrigins = string | readonly string[] | ((origin: string) => boolean);

/**
 * Whether a request comes from another site's page, decided as Hono's `csrf()` decides it: allowed when the
 * browser says `Sec-Fetch-Site: same-origin`, or its `Origin` is the request URL's own or one of `allowed`;
 * refused otherwise (cross-site, same-site siblings, `Origin: null`). Unlike `csrf()`, a request with
 * neither header is allowed (every current browser sends one of them with a cross-site POST, so it comes
 * from something that is not a browser page: a test, a server, which no other site can make the user's
 * browser send), and the method and content type do not matter (the helper changes state whatever the
 * request looks like). The cookie's SameSite setting does not matter either: with `"None"`
 * (embedded apps) this check is all that stands between another site and the session.
 *
 * `allowed` is checked here, once: {@link SessionConfigError} names `helper`.
 *
 * @example
 * ```ts
 * const crossSite = crossSiteCheck(options.origin, "staySignedIn");
 * if (crossSite(c.req.raw)) return c.json({ code: "CROSS_SITE" }, 403, { "Cache-Control": "no-store" });
 * ```
 */
export function crossSiteCheck(allowed: AllowedOrigins | undefined, helper: string): (request: Request) => boolean {
  const extra = allowedOf(allowed, helper);
  return (request) => {
    const site = request.headers.get("Sec-Fetch-Site");
    // Every current browser sends Sec-Fetch-Site: the usual same-origin post needs no second header read.
    if (site === "same-origin") return false;
    const origin = request.headers.get("Origin");
    if (site === null && origin === null) return false;
    if (origin === null) return true;
    return origin !== new URL(request.url).origin && extra(origin) !== true;
  };
}

function allowedOf(allowed: AllowedOrigins | undefined, helper: string): (origin: string) => unknown {
  if (allowed === undefined) return () => false;
  if (typeof allowed === "function") return allowed;
  const list: readonly unknown[] = typeof allowed === "string" ? [allowed] : Array.isArray(allowed) ? allowed : [allowed];
  for (const origin of list) {
    if (!isOrigin(origin)) {
      throw new SessionConfigError(
        `${helper}({ origin }) must be an origin such as "https://app.example.com" (scheme, host, port; no path), a list of them, or a function`,
      );
    }
  }
  return (origin) => list.includes(origin);
}

/** An origin as browsers serialize it in the `Origin` header (never "null": that is no one's). */
function isOrigin(value: unknown): value is string {
  if (typeof value !== "string" || !URL.canParse(value)) return false;
  const url = new URL(value);
  return (url.protocol === "https:" || url.protocol === "http:") && url.origin === value;
}
