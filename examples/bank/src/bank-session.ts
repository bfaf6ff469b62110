import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import * as v from "valibot";
import { COOKIE_LIMIT, KVStore, requireCsrfToken, requireSession, session, type ExpiredReason } from "../../../src/index.js";
import { bankNow } from "./e2e-clock.js";
import { settingsOf, type BankEnv, type Bindings } from "./env.js";
import { meteredStore } from "./kv-usage.js";
import { findUser, type DemoUser } from "./users.js";

/**
 * Everything the bank keeps in a session, as a schema: the session is typed from it, and a cookie sealed with
 * another shape (an older deploy, a forged-but-validly-sealed edit) opens to a fresh session, never to data the
 * pages would misread. A real bank keeps balances in its ledger; this demo has none.
 */
export const bankSchema = v.object({
  user: v.optional(v.string()),
  /** cents */
  balance: v.optional(v.number()),
  /** The last few transfers, newest first. */
  recent: v.optional(v.array(v.object({ at: v.number(), payee: v.string(), iban: v.string(), amount: v.number(), reference: v.string() }))),
  draft: v.optional(v.object({ payee: v.string(), iban: v.string(), amount: v.string(), reference: v.string() })),
  /** Months of history the user loaded on the statement page. */
  statement: v.optional(v.array(v.object({ d: v.string(), t: v.string(), a: v.number() }))),
});

export type BankSession = v.InferOutput<typeof bankSchema>;

/** The library's default cookie name (`__Host-`: Secure, Path=/, no Domain). */
export const COOKIE_NAME = "__Host-session";

/** Thrown when the Worker runs without its secret: the error page explains how to set one. */
export class MissingSecretError extends Error {
  constructor() {
    super("SESSION_SECRET is not set");
    this.name = "MissingSecretError";
  }
}

function secretsOf(env: Bindings): string[] {
  if (!env.SESSION_SECRET) throw new MissingSecretError();
  // "new,old" rotates keys: new sessions are sealed with the first, older cookies still open with the rest.
  return env.SESSION_SECRET.split(",").map((secret) => secret.trim());
}

/**
 * "Keep me signed in" (the login form's box): this device's session gets a 30-day cookie and may sit idle for a
 * week, sealed with it (`setLimits()`); unticked, the cookie ends with the browser and the idle limit is
 * IDLE_TIMEOUT. Large transfers still need the password again (step-up) whatever the box said.
 */
export const REMEMBER_ME = { lifetime: 30 * 86400, idleTimeout: 7 * 86400, absoluteTimeout: 30 * 86400 } as const;

const middlewares = new Map<string, MiddlewareHandler<BankEnv>>();

/**
 * The session middleware configured from [vars]. Its limits are numbers fixed when it is built, while a Worker
 * sees its vars only per request, so it is built on the first request (once per distinct setting).
 */
export function bankSession(): MiddlewareHandler<BankEnv> {
  return (c, next) => {
    const { idleTimeout, absoluteTimeout, cookieChunks } = settingsOf(c.env);
    const key = `${idleTimeout}/${absoluteTimeout}/${cookieChunks}`;
    let middleware = middlewares.get(key);
    if (!middleware) {
      middleware = session<typeof bankSchema, BankEnv>({
        secret: (c) => secretsOf(c.env),
        schema: bankSchema,
        idleTimeout,
        absoluteTimeout,
        // The most a session may set for itself: what "Keep me signed in" asks for (never less than the defaults).
        maxLifetime: REMEMBER_ME.lifetime,
        maxIdleTimeout: Math.max(idleTimeout, REMEMBER_ME.idleTimeout),
        maxAbsoluteTimeout: Math.max(absoluteTimeout, REMEMBER_ME.absoluteTimeout),
        // COOKIE_CHUNKS (default 1): a session may first grow over that many cookies before it spills to KV.
        cookie: { chunks: cookieChunks },
        // The demo's clock: Date.now(), which only the browser suite moves (E2E_CLOCK, see e2e-clock.ts).
        now: bankNow,
        // Sessions that outgrow the 4 KB cookie are sealed into KV; the cookie then holds a sealed pointer.
        // `overflow: (c) => c.env.SESSIONS` is all an app needs; the demo also counts the KV calls.
        overflow: (c) => {
          const usage = { reads: 0, hits: 0, writes: 0, deletes: 0 };
          c.set("kv", usage);
          return meteredStore(new KVStore(c.env.SESSIONS), usage);
        },
        // Every request that reads the session asks its Durable Object whether it was logged out (one call;
        // no cacheFor), so "Log out other devices" and logout end copies of the cookie at once.
        revocation: { namespace: (c) => c.env.SESSION_OBJECTS },
      });
      middlewares.set(key, middleware);
    }
    return middleware(c, next);
  };
}

/** The logged-in user, or undefined (the session is loaded on the way). */
export async function currentUser(c: Context<BankEnv>): Promise<DemoUser | undefined> {
  const username = await c.var.session.get("user");
  return username === undefined ? undefined : findUser(username);
}

/** Why a session ended without its user logging out here: a time limit, or a logout from another device. */
export type EndReason = ExpiredReason | "revoked";

/**
 * Lets logged-in users through (a user name in the session that names a known user); sends others to the login
 * page. `requireSession()` knows why a session has no user (never signed in, idle, absolute, revoked); the login
 * page needs no `?reason=` from here, because whichever request met an ended session first (this one, an
 * idle-warning poll, an image) left a marker in its cookie's place that the login page reads (`endNotice`).
 */
export const requireUser = requireSession<BankSession>({
  signedIn: async (s) => {
    const username = await s.get("user");
    return username !== undefined && findUser(username) !== undefined;
  },
  onRefused: (c) => c.redirect("/login", 303),
});

/**
 * After `requireUser` on every route whose forms change the account (transfers, devices, statement): a post
 * without this session's CSRF token (the forms' hidden `_csrf`, see pages/csrf.ts) throws `SessionCsrfError`,
 * which the error handler turns into "Request refused". Not on /login (no session yet: Hono's `csrf()`
 * covers it, and login regenerates the session) nor /logout (the idle warning's logout must always work).
 */
export const requireToken = requireCsrfToken<BankSession>({ onRefused: "throw" });

/**
 * Why the user is on the login page, if their session ended without a logout here: what the request that met
 * it saw (`s.expired`, `s.invalid`), reported again from the marker the library left in its place.
 */
export async function endNotice(c: Context<BankEnv>): Promise<EndReason | undefined> {
  const s = await c.var.session.load();
  return s.expired ?? (s.invalid === "revoked" ? "revoked" : undefined);
}

/** What the account page shows about the session itself. Times in ms since epoch. */
export interface SessionReport {
  id: string;
  created: number;
  lastUsed: number;
  idleSecondsLeft: number;
  idleDeadline: number;
  absoluteDeadline: number;
  storage: "cookie" | "kv";
  /** Session cookies the browser sent with this request: the cookie and its chunks (COOKIE_CHUNKS). */
  cookieCount: number;
  /** Their names + values as the browser sent them (a pointer when in KV). */
  cookieBytes: number;
  /** 4096 bytes per cookie the session may take. */
  cookieLimit: number;
}

export async function sessionReport(c: Context<BankEnv>): Promise<SessionReport> {
  const s = await c.var.session.load();
  const { idleTimeout, absoluteTimeout, cookieChunks } = settingsOf(c.env);
  const idleSecondsLeft = s.idleSecondsLeft() ?? idleTimeout;
  const cookies = getCookie(c);
  const names = Array.from({ length: cookieChunks }, (_, k) => (k ? `${COOKIE_NAME}.${k}` : COOKIE_NAME)).filter(
    (name) => cookies[name] !== undefined,
  );
  const kv = c.get("kv");
  return {
    id: s.id,
    created: s.meta.created,
    lastUsed: s.meta.lastUsed,
    idleSecondsLeft,
    idleDeadline: s.meta.lastUsed + idleTimeout * 1000,
    absoluteDeadline: s.meta.created + absoluteTimeout * 1000,
    storage: kv?.hits ? "kv" : "cookie",
    cookieCount: names.length,
    cookieBytes: names.reduce((sum, name) => sum + name.length + cookies[name]!.length, 0),
    cookieLimit: COOKIE_LIMIT * cookieChunks,
  };
}
