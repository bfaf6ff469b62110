import type { Context } from "hono";
import { addCookies, withCookies } from "../core/with-session.js";

/**
 * On a response with a body that a request's own context made (`c.json()`, `c.text()`, `c.html()`,
 * `c.body(data)`, `c.newResponse(data)`): that context. No other request holds such a response, so its
 * Set-Cookie can go on it in place; and a body is sent once, so even an app that kept it could not send it
 * again. Any other response (a module-level one, `fetch()`'s, `Response.redirect()`, and every response
 * without a body, such as `c.redirect()`'s, which an app may well keep and return again) gets its cookies on
 * a copy, which in workerd costs about 13 us (a body stream and a header copy), a tenth of a round trip.
 * Marks are properties, not WeakMap entries: an entry per response costs the garbage collector more than the
 * copy saves (measured).
 */
const MADE_BY = Symbol("edge-session: made by");

/**
 * On a response given Set-Cookie values in place: those values. If an app keeps a response its context made
 * and returns it again (another request, another user), that request sends a copy without them.
 */
const ADDED = Symbol("edge-session: cookies added");

/** A response as this module marks it. */
type Marked = Response & { [MADE_BY]?: Context; [ADDED]?: readonly string[] };

/** Context methods that make a response from their first argument (`c.redirect()` makes one without a body). */
type Maker = "body" | "text" | "json" | "html" | "newResponse";
const MAKERS: readonly Maker[] = ["body", "text", "json", "html", "newResponse"];

/** Makes `c`'s response methods mark the responses with a body they make (see {@link MADE_BY}). */
export function recordResponses(c: Context): void {
  for (const name of MAKERS) {
    const make = c[name] as (...args: unknown[]) => Response | Promise<Response>;
    (c as unknown as Record<Maker, unknown>)[name] = (...args: unknown[]) => {
      const made = make(...args);
      if (args[0] === null || args[0] === undefined) return made; // no body: copied (see MADE_BY)
      if (made instanceof Response) (made as Marked)[MADE_BY] = c;
      else
        void made.then(
          (res: Marked) => void (res[MADE_BY] = c),
          () => undefined,
        );
      return made;
    };
  }
}

/**
 * The response to hand Hono after the request (undefined: `c.res` as it is): `c.res` with `setCookies` (and
 * `Cache-Control: no-store`), in place when it is marked as this request's (see {@link MADE_BY}), else on a
 * copy; a response that carries another request's cookies (added in place there) leaves without them.
 */
export function responseWith(c: Context, setCookies: readonly string[]): Response | undefined {
  const res: Marked = c.res;
  const foreign = res[ADDED];
  if (foreign) {
    const copy = new Response(res.body, res);
    const kept = copy.headers.getSetCookie().filter((value) => !foreign.includes(value));
    copy.headers.delete("Set-Cookie");
    for (const value of kept) copy.headers.append("Set-Cookie", value);
    if (setCookies.length) addCookies(copy.headers, setCookies);
    return copy;
  }
  if (!setCookies.length) return undefined;
  if (res[MADE_BY] !== c || res.bodyUsed) return withCookies(res, setCookies);
  addCookies(res.headers, setCookies);
  res[ADDED] = setCookies;
  return undefined;
}
