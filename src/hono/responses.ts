import type { Context } from "hono";
import { addCookies, withCookies } from "../core/with-session.js";

/**
 * Responses made by a request's own context (`c.json()`, `c.text()`, `c.body()`, `c.html()`, `c.redirect()`,
 * `c.newResponse()`), mapped to that context. No other request holds such a response, so its Set-Cookie can go
 * on it in place. Any other response a handler returns (a module-level one, `fetch()`'s, `Response.redirect()`)
 * may be shared or immutable: it gets its cookies on a copy, which in workerd costs about as much as the rest of
 * the middleware's own work (a body stream and a header copy).
 */
const madeBy = new WeakMap<Response, Context>();

/**
 * Set-Cookie values added in place, by response: if an app keeps a response its context made and returns it
 * again (another request, another user), that request sends a copy without them.
 */
const addedTo = new WeakMap<Response, readonly string[]>();

type Maker = "body" | "text" | "json" | "html" | "redirect" | "newResponse";
const MAKERS: readonly Maker[] = ["body", "text", "json", "html", "redirect", "newResponse"];

/** Makes `c`'s response methods record what they make (see {@link madeBy}). */
export function recordResponses(c: Context): void {
  for (const name of MAKERS) {
    const make = c[name] as (...args: unknown[]) => Response | Promise<Response>;
    (c as unknown as Record<Maker, unknown>)[name] = (...args: unknown[]) => {
      const made = make(...args);
      if (made instanceof Response) madeBy.set(made, c);
      else
        void made.then(
          (res) => madeBy.set(res, c),
          () => undefined,
        );
      return made;
    };
  }
}

/**
 * The response to hand Hono after the request: `c.res` with `setCookies` (and `Cache-Control: no-store`), in
 * place when this request's context made it, else on a copy; a response that carries another request's
 * cookies (added in place there) leaves without them.
 */
export function responseWith(c: Context, setCookies: readonly string[]): Response | undefined {
  const res = c.res;
  const foreign = addedTo.get(res);
  if (foreign) {
    const copy = new Response(res.body, res);
    const kept = copy.headers.getSetCookie().filter((value) => !foreign.includes(value));
    copy.headers.delete("Set-Cookie");
    for (const value of kept) copy.headers.append("Set-Cookie", value);
    if (setCookies.length) addCookies(copy.headers, setCookies);
    return copy;
  }
  if (!setCookies.length) return undefined;
  if (madeBy.get(res) !== c || res.bodyUsed) return withCookies(res, setCookies);
  addCookies(res.headers, setCookies);
  addedTo.set(res, setCookies);
  return undefined;
}
