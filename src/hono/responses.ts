import type { Context } from "hono";
import { addCookies, withCookies } from "../core/with-session.js";

/**
 * What {@link recordResponses} saw of one request: the last response with a body its context made
 * (`c.json()`, `c.text()`, `c.html()`, `c.body(data)`, `c.newResponse(data)`). No other request holds such a
 * response, so its Set-Cookie can go on it in place; and a body is sent once, so even an app that kept it
 * could not send it again. Any other response (a module-level one, `fetch()`'s, `Response.redirect()`, one
 * made before another, and every response without a body, such as `c.redirect()`'s, which an app may well
 * keep and return again) gets its cookies on a copy, which in workerd costs about 13 us (a body stream and a
 * header copy), a tenth of a round trip. The mark is kept in this per-request object, not added to the
 * workerd `Response` (an API object) nor to Hono's context: both cost every request microseconds, as does a
 * WeakMap entry per response (measured).
 */
export interface Made {
  response: Response | undefined;
}

/**
 * On a response given Set-Cookie values in place: `true`, never the values. If an app keeps a response its
 * context made and returns it again (another request, another user), that request sends a copy without the
 * session's cookies (see {@link responseWith}). A value that holds nothing: workerd keeps a Response object
 * that carries a property of its own alive through V8's minor collections, with whatever the property holds;
 * the Set-Cookie strings there cost every write's request about 3 us of the garbage collector's time (profiled).
 */
const ADDED = Symbol("edge-session: cookies added");

/** A response as this module marks it. */
type Marked = Response & { [ADDED]?: true };

/** A context method that makes a response from its first argument, as this module calls it. */
type Make = (data: unknown, arg?: unknown, headers?: unknown) => Response | Promise<Response>;

/**
 * Makes `c`'s response methods (`c.body()`, `c.text()`, `c.json()`, `c.html()`, `c.newResponse()`; not
 * `c.redirect()`, which makes one without a body) record the responses with a body they make (see {@link Made}).
 * Written out, not looped over names: five stores of known properties on every request that uses the session.
 * Bound functions, not arrow functions: five closures over Hono's own (which hold `c`) kept every request's
 * context, request and response alive through V8's minor collections (promoted, then collected by a major
 * one: about 5 KB a request and 2.5 times the garbage collector's time, measured); bound functions do not.
 */
export function recordResponses(c: Context): Made {
  const made: Made = { response: undefined };
  const methods = c as unknown as Record<"body" | "text" | "json" | "html" | "newResponse", Make>;
  const { body, text, json, html, newResponse } = methods;
  methods.body = recorded.bind(undefined, made, body);
  methods.text = recorded.bind(undefined, made, text);
  methods.json = recorded.bind(undefined, made, json);
  methods.html = recorded.bind(undefined, made, html);
  methods.newResponse = recorded.bind(undefined, made, newResponse);
  return made;
}

/** `make(data, arg, headers)`, its response recorded in `made` (see {@link record}). */
function recorded(made: Made, make: Make, data: unknown, arg?: unknown, headers?: unknown): Response | Promise<Response> {
  return record(made, make(data, arg, headers), data);
}

/** Records `response` as the request's, unless it has no body (see {@link Made}); returns it. */
function record(made: Made, response: Response | Promise<Response>, data: unknown): Response | Promise<Response> {
  if (data === null || data === undefined) return response; // no body: copied (see Made)
  if (response instanceof Response) made.response = response;
  else
    void response.then(
      (res) => void (made.response = res),
      () => undefined,
    );
  return response;
}

/**
 * The response to hand Hono after the request (undefined: `c.res` as it is): `c.res` with `setCookies` (and
 * `Cache-Control: no-store`), in place when it is marked as this request's (see {@link Made}; `made` is
 * undefined when nothing was recorded), else on a copy. A response another request gave its cookies in place
 * leaves on a copy without any line of `names` (the session's cookie names): those were that request's user's.
 * The app's own Set-Cookie lines stay.
 */
export function responseWith(
  c: Context,
  made: Made | undefined,
  setCookies: readonly string[],
  names: readonly string[],
): Response | undefined {
  const res: Marked = c.res;
  // Made here, this request: no other request's cookies can be on it, and nothing to look up on the response.
  const mine = made?.response === res;
  if (!mine && res[ADDED]) {
    const copy: Marked = new Response(res.body, res);
    const kept = copy.headers.getSetCookie().filter((line) => !names.some((name) => line.startsWith(`${name}=`)));
    copy.headers.delete("Set-Cookie");
    for (const value of kept) copy.headers.append("Set-Cookie", value);
    if (setCookies.length) addCookies(copy.headers, setCookies);
    // Another session middleware of this app may have put its cookies on the kept response too: marked, the
    // copy loses those there.
    copy[ADDED] = true;
    return copy;
  }
  if (!setCookies.length) return undefined;
  if (!mine || res.bodyUsed) return withCookies(res, setCookies);
  addCookies(res.headers, setCookies);
  res[ADDED] = true;
  return undefined;
}
