import type { Context, Env, MiddlewareHandler } from "hono";
import { expiredCookie, findCookie, resolveCookie, serializeCookie, type CookieLookup, type CookieOptions } from "./cookie.js";
import { checkSecrets, createKeyring, type Encryption, type Keyring, type Secret } from "./crypto/keyring.js";
import { hasKeys, type SessionData } from "./envelope.js";
import { SessionConfigError } from "./errors.js";
import { deadlineOf, expiryOf, idleLimit, type ExpiryLimits } from "./expiry.js";
import { revocationModeOf, type RevocationOptions } from "./do/revocation.js";
import { cookieMode, type SessionMode } from "./mode.js";
import { rebase } from "./rebase.js";
import { flashAfter, internals, resealOf, Session, type Found, type SessionState } from "./session.js";
import { storeModeOf, type StoreOption } from "./store-option.js";

/** A value, or a function that picks it per request (e.g. from `c.env`). */
export type PerRequest<T> = T | ((c: Context) => T);

/** Options of {@link session}. Durations are whole seconds. */
export interface SessionOptions {
  /**
   * One secret or a list (first seals, all unseal: rotation), or a function of the context for Worker secrets
   * (`(c) => c.env.SESSION_SECRET`). Strings need at least 32 characters; raw keys are 32 or 64 bytes.
   */
  secret: PerRequest<Secret | readonly Secret[]>;
  /** Bound into key derivation so values sealed for another cookie or app never open here. Default: cookie name. */
  purpose?: string;
  /** Default `"A256GCM"`. */
  encryption?: Encryption;
  /** Cookie attributes; defaults: `__Host-session`, Path=/, HttpOnly, Secure, SameSite=Lax. */
  cookie?: CookieOptions;
  /** Cookie Max-Age, also enforced on the server as an idle bound. Default 0: browser-session cookie. */
  lifetime?: number;
  /** Seconds since last use after which the server refuses the session (`expired: "idle"`). Default: none. */
  idleTimeout?: number;
  /** Seconds since creation after which the server refuses the session (`expired: "absolute"`). Default: none. */
  absoluteTimeout?: number;
  /**
   * An unchanged session is sealed again (to move `lastUsed`) only when `lastUsed` is older than this.
   * Default: a tenth of the idle limit (idleTimeout, or lifetime), else 300.
   */
  touchAfter?: number;
  /** Return false for requests that must not extend the idle timer (e.g. polling). Default: every request rolls. */
  shouldRoll?: (c: Context) => boolean;
  /** Clock in ms since epoch. Default `Date.now`. */
  now?: () => number;
  /**
   * Cookie with overflow: a session whose sealed cookie would exceed 4096 bytes is sealed into this store
   * (a KV binding, or any `SessionStore`, or `(c) => c.env.SESSIONS`) and the cookie carries a sealed pointer.
   */
  overflow?: StoreOption;
  /**
   * Server-side sessions: the cookie carries only a sealed id; data and metadata are sealed into this store.
   * A `DurableObjectStore` adds versioned writes (no lost updates), optional locking and final destroy().
   */
  store?: StoreOption;
  /** Milliseconds a store call may take before it fails with `SessionStoreError`. Default 5000; 0 = no limit. */
  storeTimeout?: number;
  /**
   * Cookie mode (with or without `overflow`) with revocation checks: each request that reads the session asks
   * its Durable Object whether it was destroyed or revoked, so copied cookies fail after logout (one round
   * trip; see `cacheFor`). Not with `store:`: a `DurableObjectStore` revokes by itself.
   */
  revocation?: RevocationOptions;
  /** @internal Where sessions live, for modes beyond `overflow`/`store`; the cookie-only mode by default. */
  mode?: (keys: Keyring, c: Context) => SessionMode;
}

/** The context variables the middleware sets: `c.var.session`. */
export interface SessionVariables<Data extends SessionData = SessionData> {
  session: Session<Data>;
}

/** Stored copies outlive no session; without any limit they are kept this long after the last write. */
const UNBOUNDED_TTL = 14 * 24 * 3600;

/**
 * Hono middleware: sealed, server-enforced sessions at `c.var.session`.
 *
 * ```ts
 * const app = new Hono<{ Bindings: Env; Variables: SessionVariables<{ user: string }> }>();
 * app.use(session({ secret: (c) => c.env.SESSION_SECRET, idleTimeout: 300 }));
 * ```
 */
export function session<Data extends SessionData = SessionData, E extends Env = Env>(
  options: SessionOptions,
): MiddlewareHandler<E & { Variables: SessionVariables<Data> }> {
  const cookie = resolveCookie(options.cookie);
  const limits: ExpiryLimits = {
    idleTimeout: limit(options, "idleTimeout"),
    absoluteTimeout: limit(options, "absoluteTimeout"),
  };
  const lifetime = seconds(options, "lifetime") ?? 0;
  const idle = idleLimit({ lifetime }, limits);
  const touchAfter = seconds(options, "touchAfter");
  if (touchAfter !== undefined && idle && touchAfter >= idle) {
    // lastUsed would only move when the session is already expired: a user who keeps reading is logged out.
    throw new SessionConfigError(`touchAfter (${touchAfter}) must be less than the idle limit (${idle} s, from idleTimeout or lifetime)`);
  }
  const touchAfterMs = 1000 * (touchAfter ?? (idle ? Math.max(1, Math.floor(idle / 10)) : 300));
  const keyrings = keyringCache(options.purpose ?? cookie.name, options.encryption ?? "A256GCM");
  const storeModes = storeModeOf(options);
  if (options.mode && storeModes) throw new SessionConfigError("mode cannot be combined with overflow or store");
  const clock = options.now ?? Date.now;
  if (options.revocation && (options.store !== undefined || options.mode)) {
    throw new SessionConfigError("revocation checks are for cookie mode (with or without overflow); use a DurableObjectStore as store for server-side sessions");
  }
  // With overflow, storeModes is the overflow mode: the check wraps it (it looks at the id, not where data lives).
  const revocable = options.revocation && revocationModeOf(options.revocation, { limits, lifetime, touchAfterMs, now: clock }, storeModes ?? cookieMode);
  const modeOf = options.mode ?? revocable ?? storeModes ?? cookieMode;
  const { secret, shouldRoll } = options;
  let fixedKeys: Promise<Keyring> | undefined;
  if (typeof secret !== "function") checkSecrets(secret); // weak secrets fail at start-up, not per request
  // Derived on first use (Workers allow no crypto at start-up); a per-request secret goes through the cache.
  const keysFor = (c: Context): Promise<Keyring> =>
    typeof secret === "function" ? keyrings.get(secret(c)) : (fixedKeys ??= keyrings.get(secret));

  return async (c, next) => {
    const now = clock();
    let lookup = { found: 0 } as CookieLookup;
    let mode: SessionMode | undefined;
    // Runs on the session's first use only: an untouched route does not even parse the Cookie header.
    const open = async (): Promise<Found> => {
      lookup = findCookie(c.req.raw.headers.get("Cookie"), cookie.name);
      mode = modeOf(await keysFor(c).catch(reported), c);
      if (lookup.found === 0) return { opened: undefined };
      if (lookup.found === "many") return { opened: undefined, invalid: "duplicate" };
      const opened = await mode.open(lookup.value);
      if (!opened.ok) return { opened, invalid: opened.reason };
      const verdict = expiryOf(opened.envelope.meta, now, limits);
      return verdict === "future" ? { opened, invalid: "future" } : { opened, expired: verdict };
    };
    const s = new Session<Data>(open, { now, limits, lifetime, touchAfterMs, rolls: shouldRoll?.(c) !== false });
    c.set("session", s);

    await next();

    const { started, load, close } = s[internals]();
    // From here on a change (e.g. in a stream() callback) could no longer reach the cookie: it throws instead.
    close();
    if (!started) return; // untouched (lazy): the cookie stays as it was
    let setCookie: string | undefined;
    try {
      if (c.error) return; // the handler failed: the cookie stays as it was
      const state = await load();
      setCookie = await persist(state, mode!, now, lookup.found === 1 ? lookup.value : undefined, lookup.found !== 0);
    } catch (error) {
      // The handler's response must not leave with the error: Hono copies its headers (Cache-Control: public,
      // headers carrying data) onto whatever response the error handler builds.
      replaceResponse(c, new Response(null, { headers: { "Cache-Control": "no-store" } }));
      throw reported(error);
    } finally {
      await mode?.close?.(); // e.g. the session's lock (exclusive mode) goes with the request, whatever happened
    }
    if (setCookie === undefined) return;
    // A copy, never an edit in place: the handler may return a Response object shared between requests (a
    // module-level redirect), which must not carry this visitor's cookie to the next one. Immutable responses
    // (fetch(), Response.redirect()) need the copy too. One copy, and only when a cookie is written.
    const res = new Response(c.res.body, c.res);
    res.headers.append("Set-Cookie", setCookie);
    // A shared cache must never store (and replay) a Set-Cookie.
    const cacheControl = res.headers.get("Cache-Control");
    if (!cacheControl || !/\bno-store\b/i.test(cacheControl)) res.headers.set("Cache-Control", "no-store");
    replaceResponse(c, res);
  };

  /** Writes the session back when something requires it; returns the Set-Cookie value, if any. */
  async function persist(
    state: SessionState,
    mode: SessionMode,
    now: number,
    incoming: string | undefined,
    hadCookie: boolean,
  ): Promise<string | undefined> {
    const flash = flashAfter(state);
    if (!hasKeys(state.data) && !(flash && hasKeys(flash))) {
      // Nothing worth keeping: no empty sessions for anonymous visitors, a session emptied by the app ends
      // (with its stored copy), and a refused cookie is removed.
      if (state.replaced || !state.isNew) await mode.discard(state.previous);
      return hadCookie ? expiredCookie(cookie) : undefined;
    }
    const reseal = resealOf(state, now, touchAfterMs);
    if (!reseal.due) return undefined;
    const { meta } = state;
    const rollsCookie = lifetime > 0 && reseal.lastUsed !== meta.lastUsed; // a persistent cookie's Max-Age moves on
    meta.lastUsed = reseal.lastUsed;

    const deadline = deadlineOf(meta, limits);
    const ttl = deadline === Infinity ? UNBOUNDED_TTL : Math.max(1, Math.ceil((deadline - now) / 1000));
    const { data, changedKeys, cleared } = state;
    const value = await mode.save(
      { data, meta, flash },
      {
        cookieName: cookie.name,
        previous: state.previous,
        ttl,
        now,
        incoming,
        rebase: (base, latest) => rebase(base, latest, { data, flash, lastUsed: meta.lastUsed, changedKeys, cleared }),
      },
    );
    // The store found the session ended meanwhile (destroyed or regenerated by another request, deleted by an
    // admin, expired): nothing was written. The cookie is left alone: the request that ended the session has
    // set the browser's cookie already (expired, or the regenerated id), and a dead one is refused next time.
    if (value === null) return undefined;
    // Only once the new copy is safely written does the old one go (regenerate, or the session moved).
    if (state.replaced) await mode.discard(state.previous);
    if (value === incoming && !rollsCookie) return undefined;
    const maxAge = lifetime && limits.absoluteTimeout ? Math.min(lifetime, ttl) : lifetime;
    return serializeCookie(cookie, value, maxAge);
  }
}

/**
 * Derived keyrings of this isolate, shared by every middleware instance: an app that builds the middleware
 * per request (to read options from `c.env`) still derives each key once. Keyed by the secrets themselves
 * (already in the isolate's env); a handful of entries at most.
 */
const derived = new Map<string, Promise<Keyring>>();
const KEYRINGS_KEPT = 16;

function keyringCache(purpose: string, encryption: Encryption) {
  return {
    async get(secret: Secret | readonly Secret[]): Promise<Keyring> {
      const list: readonly Secret[] = Array.isArray(secret) ? secret : [secret as Secret];
      checkSecrets(list); // a missing Worker secret is a SessionConfigError, not a TypeError below
      // JSON of typed entries: injective, so no list of secrets shares an entry with another list or string.
      const id = JSON.stringify([encryption, purpose, ...list.map((s) => (typeof s === "string" ? s : [...s]))]);
      let ring = derived.get(id);
      if (!ring) {
        if (derived.size >= KEYRINGS_KEPT) derived.delete(derived.keys().next().value!);
        ring = createKeyring(list, { purpose, encryption });
        derived.set(id, ring);
        ring.catch(() => derived.delete(id));
      }
      return ring;
    },
  };
}

function seconds(options: SessionOptions, name: "lifetime" | "touchAfter"): number | undefined {
  const value = options[name];
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new SessionConfigError(`${name} must be a whole number of seconds, at least 0`);
  }
  return value;
}

/** A timeout: omitted means none; 0 is refused, as `Number(env.IDLE_TIMEOUT ?? 0)` must not mean "no limit". */
function limit(options: SessionOptions, name: "idleTimeout" | "absoluteTimeout"): number | undefined {
  const value = options[name];
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new SessionConfigError(`${name} must be a whole number of seconds, at least 1 (omit it for no limit)`);
  }
  return value;
}

/**
 * Hands Hono exactly `res`: its `c.res` setter copies the previous response's headers onto a new one, so the
 * previous one goes first.
 */
function replaceResponse(c: Context, res: Response): void {
  c.res = undefined;
  c.res = res;
}

/** Configuration errors found per request are logged once per isolate: a bare 500 alone tells nobody why. */
const logged = new Set<string>();

function reported(error: unknown): never {
  if (error instanceof SessionConfigError && !logged.has(error.message)) {
    logged.add(error.message);
    console.error(`edge-session: ${error.message}`); // messages never hold a secret
  }
  throw error;
}
