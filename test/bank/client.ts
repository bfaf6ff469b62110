import { env } from "cloudflare:workers";
import { expect } from "vitest";
import app from "../../examples/bank/src/index.js";
import { DEMO_CREDENTIALS } from "../../examples/bank/src/users.js";
import { jar, SECRET } from "../helpers.js";

export const bindings = { ...env, SESSION_SECRET: SECRET };
export const ORIGIN = "http://localhost";

/**
 * A browser-ish client of the demo: one cookie jar, same-origin form posts, its own headers (e.g. User-Agent),
 * and the Worker's bindings (wrangler.toml's, unless a test passes others).
 */
export function client(own: Record<string, string> = {}, env: typeof bindings = bindings) {
  const cookies = jar();
  const send = async (path: string, init: RequestInit = {}) => {
    const headers = new Headers(own);
    for (const [k, v] of new Headers(init.headers)) headers.set(k, v);
    for (const [k, v] of Object.entries(cookies.header())) headers.set(k, v);
    const res = await app.request(path, { ...init, headers }, env);
    cookies.take(res);
    return res;
  };
  return {
    cookies,
    /** Any request, with this client's cookies and headers. */
    send,
    get: (path: string) => send(path),
    post: (path: string, form: Record<string, string>, headers: Record<string, string> = { Origin: ORIGIN }) =>
      send(path, { method: "POST", body: new URLSearchParams(form), headers }),
  };
}

export async function loggedIn(own: Record<string, string> = {}, env: typeof bindings = bindings) {
  const c = client(own, env);
  const res = await c.post("/login", DEMO_CREDENTIALS);
  expect(res.status).toBe(303);
  return c;
}
