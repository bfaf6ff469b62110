import { env } from "cloudflare:workers";
import { expect } from "vitest";
import type { BankSession } from "../../examples/bank/src/bank-session.js";
import { bankNow } from "../../examples/bank/src/e2e-clock.js";
import { settingsOf } from "../../examples/bank/src/env.js";
import app from "../../examples/bank/src/index.js";
import { DEMO_CREDENTIALS } from "../../examples/bank/src/users.js";
import { KVStore, sessionEngine } from "../../src/index.js";
import { jar, SECRET } from "../helpers.js";

export const bindings = { ...env, SESSION_SECRET: SECRET };
export const ORIGIN = "http://localhost";

/**
 * The CSRF token the page of the session these cookies hold would carry (a browser posts the form of a page it
 * was shown; these tests post without fetching the page first): the demo's session settings, read only.
 */
async function pageToken(headers: Headers, env: typeof bindings): Promise<string> {
  const { idleTimeout, absoluteTimeout, cookieChunks } = settingsOf(env);
  const engine = sessionEngine<BankSession, null>({
    secret: env.SESSION_SECRET.split(","),
    idleTimeout,
    absoluteTimeout,
    cookie: { chunks: cookieChunks },
    now: bankNow,
    overflow: new KVStore(env.SESSIONS),
    revocation: { namespace: env.SESSION_OBJECTS },
  });
  const request = engine.start(headers, null);
  try {
    return await request.session.csrfToken();
  } finally {
    await request.abort();
  }
}

/**
 * A browser-ish client of the demo: one cookie jar, same-origin form posts (with the session's CSRF token in
 * `_csrf`, unless the form gives its own), its own headers (e.g. User-Agent), and the Worker's bindings
 * (wrangler.toml's, unless a test passes others).
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
    post: async (path: string, form: Record<string, string>, headers: Record<string, string> = { Origin: ORIGIN }) => {
      const token = "_csrf" in form || path === "/login" ? {} : { _csrf: await pageToken(new Headers(cookies.header()), env) };
      return send(path, { method: "POST", body: new URLSearchParams({ ...token, ...form }), headers });
    },
  };
}

export async function loggedIn(own: Record<string, string> = {}, env: typeof bindings = bindings) {
  const c = client(own, env);
  const res = await c.post("/login", DEMO_CREDENTIALS);
  expect(res.status).toBe(303);
  return c;
}
