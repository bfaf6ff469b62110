/**
 * An app whose logins link their sessions to a user (cookie mode with revocation checks, as the options say),
 * and a namespace that records every object call: what the re-check and log-out-everywhere tests share.
 */
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { linkSession } from "../src/durable-object/users.js";
import { session, type SessionOptions, type SessionVariables } from "../src/index.js";
import { freshId } from "./do-helpers.js";
import { jar, SECRET, testClock, type Data } from "./helpers.js";

export type Namespace = typeof env.SESSION_OBJECTS;
export const NAME = "__Host-session";
export const IDLE = 600;
export const TOUCH_AFTER = 60;

/** The namespace, with every object call recorded as `method`. */
export function counting(): { namespace: Namespace; calls: string[] } {
  const calls: string[] = [];
  const namespace = {
    getByName(name: string) {
      const stub = env.SESSION_OBJECTS.getByName(name) as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
      return new Proxy(stub, {
        get(target, method: string) {
          return (...args: unknown[]) => {
            calls.push(method);
            return target[method]!(...args);
          };
        },
      });
    },
  } as unknown as Namespace;
  return { namespace, calls };
}

export function app(options: Partial<SessionOptions>, namespace: Namespace) {
  const hono = new Hono<{ Variables: SessionVariables<Data> }>();
  hono.use(session<Data>({ secret: SECRET, idleTimeout: IDLE, touchAfter: TOUCH_AFTER, ...options }));
  hono.post("/login/:user", async (c) => {
    const s = await c.var.session.load();
    s.regenerate();
    s.set("user", c.req.param("user"));
    await linkSession(namespace, s, c.req.param("user"));
    return c.json({ id: s.id });
  });
  // An account switch without regenerate(): the same session, linked to another user.
  hono.post("/switch/:user", async (c) => {
    const s = await c.var.session.load();
    s.set("user", c.req.param("user"));
    await linkSession(namespace, s, c.req.param("user"));
    return c.json({ id: s.id });
  });
  hono.get("/me", async (c) => {
    const s = await c.var.session.load();
    const user = await s.get("user");
    return c.json({ user: user ?? null, invalid: s.invalid ?? null }, user ? 200 : 401);
  });
  hono.post("/write", async (c) => {
    const s = await c.var.session.load();
    s.set("count", ((await s.get("count")) ?? 0) + 1);
    return c.json({ count: await s.get("count") });
  });
  hono.post("/logout", (c) => {
    c.var.session.destroy();
    return c.text("bye");
  });
  return hono as unknown as Hono<never>;
}

export async function login(hono: Hono<never>, user: string) {
  const j = jar();
  const res = await hono.request(`/login/${user}`, { method: "POST" });
  j.take(res);
  return { j, id: ((await res.json()) as { id: string }).id };
}

/**
 * How long a copied cookie still works after `revoke` ran elsewhere: a user logs in and browses every 2 s for
 * 70 + `offset` s (reseals at touchAfter carry fresh confirmations), the cookie is copied, `revoke` runs, and
 * the copy is tried once a second. Answers the last second (from the revocation) it was accepted, -1 for never;
 * every refusal must say "revoked".
 */
export async function lastAcceptedAfter(
  recheckAfter: number,
  offset: number,
  revoke: (login: { id: string; user: string }) => Promise<void>,
): Promise<number> {
  const clock = testClock(Date.now());
  const { namespace } = counting();
  const hono = app({ revocation: { namespace, recheckAfter }, now: clock.now }, namespace);
  const user = `copy-${freshId()}`;
  const { j, id } = await login(hono, user);
  for (let t = 0; t < 70 + offset; t += 2) {
    clock.advance(2);
    j.take(await hono.request("/me", { headers: j.header() }));
  }
  const copied = j.header();
  await revoke({ id, user });
  let lastAccepted = -1;
  for (let s = 0; s <= recheckAfter + TOUCH_AFTER; s++) {
    const res = await hono.request("/me", { headers: copied });
    if (res.status === 200) lastAccepted = s;
    else if (((await res.json()) as { invalid: string | null }).invalid !== "revoked") throw new Error(`refused at ${s} s, not as revoked`);
    clock.advance(1);
  }
  return lastAccepted;
}
