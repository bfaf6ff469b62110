import { valueLimit, writeLimit } from "./chunks.js";
import { resolveCookie, type CookieOptions } from "./cookie.js";
import { keyringCache } from "../crypto/keyring-cache.js";
import { checkSecrets, type Encryption, type Keyring, type Secret } from "../crypto/keyring.js";
import type { RevocationOptions } from "../durable-object/revocation.js";
import { SessionConfigError } from "./errors.js";
import type { SessionEventHandler } from "./events.js";
import { idleLimit, type ExpiryLimits } from "./expiry.js";
import { checkKeys, type KnownKeys } from "./known-keys.js";
import type { LimitBounds } from "./limits.js";
import { schemaOf, type Migrate, type SessionSchema } from "./schema.js";
import { sizeWatchOf } from "./size-warning.js";
import type { ModeFactory, Policy } from "./policy.js";
import type { StoreOption } from "../kv/store-option.js";

/** A value, or a function that picks it per request from the request's context (e.g. Hono's `c`, or `env`). */
export type PerRequest<T, C = unknown> = T | ((context: C) => T);

/**
 * Options of a session engine (and of the Hono middleware, where the context `C` is Hono's `c`). Durations
 * are whole seconds. Every option is validated when the engine is built, so a mistake fails at start-up; an
 * unknown key (a typo such as `idleTimout`) is refused too.
 */
export interface SessionEngineOptions<C = unknown> {
  /**
   * One secret or a list (first seals, all unseal: rotation), or a function of the context for Worker secrets
   * (`(c) => c.env.SESSION_SECRET`). Strings need at least 32 characters; raw keys are 32 or 64 bytes.
   */
  secret: PerRequest<Secret | readonly Secret[], C>;
  /** Bound into key derivation so values sealed for another cookie or app never open here. Default: cookie name. */
  purpose?: string | undefined;
  /** Default `"A256GCM"`. */
  encryption?: Encryption | undefined;
  /**
   * Cookie attributes; defaults: `__Host-session`, Path=/, HttpOnly, Secure, SameSite=Lax, one cookie
   * (`chunks: 1`; up to 10 splits a large session over several cookies).
   */
  cookie?: CookieOptions | undefined;
  /** Cookie Max-Age, also enforced on the server as an idle bound. Default 0: browser-session cookie. */
  lifetime?: number | undefined;
  /**
   * Seconds since last use after which the server refuses the session (`expired: "idle"`). At least 1;
   * omit it for no idle limit (0 is refused: `Number(env.IDLE_TIMEOUT ?? 0)` must not turn the limit off).
   */
  idleTimeout?: number | undefined;
  /** Seconds since creation after which the server refuses the session (`expired: "absolute"`). At least 1; default none. */
  absoluteTimeout?: number | undefined;
  /**
   * The longest `lifetime` a session may set for itself (`session.setLimits()`, e.g. "keep me signed in for
   * 30 days"); at least `lifetime`, which it defaults to (no session may loosen it unless the app allows).
   */
  maxLifetime?: number | undefined;
  /** The longest `idleTimeout` a session may set for itself; at least `idleTimeout` (required with it), its default. */
  maxIdleTimeout?: number | undefined;
  /** The longest `absoluteTimeout` a session may set for itself; at least `absoluteTimeout` (required with it), its default. */
  maxAbsoluteTimeout?: number | undefined;
  /**
   * An unchanged session is sealed again (to move `lastUsed`) only when `lastUsed` is older than this; less
   * than the idle limit; 0 re-seals on every request. Default: a tenth of the idle limit (idleTimeout, or
   * lifetime), else 300.
   */
  touchAfter?: number | undefined;
  /** Return false for requests that must not extend the idle timer (e.g. polling). Default: every request rolls. */
  shouldRoll?: ((context: C) => boolean) | undefined;
  /** Clock in ms since epoch. Default `Date.now`. */
  now?: (() => number) | undefined;
  /**
   * Cookie with overflow: a session whose sealed cookie would not fit (its `Set-Cookie` line within
   * `cookie.maxLineBytes`, or what `cookie.chunks` cookies hold) is sealed into this store
   * (a KV binding, or any `SessionStore`, or `(c) => c.env.SESSIONS`) and the cookie carries a sealed pointer.
   */
  overflow?: StoreOption<C> | undefined;
  /**
   * Server-side sessions: the cookie carries only a sealed id; data and metadata are sealed into this store.
   * A store with the `versioned` capability (the `DurableObjectStore`) adds versioned writes (no lost
   * updates), optional locking and final destroy().
   */
  store?: StoreOption<C> | undefined;
  /**
   * Milliseconds a store call (or a revocation check's Durable Object call) may take before it fails with
   * `SessionStoreError`. Default 5000; 0 = no limit.
   */
  storeTimeout?: number | undefined;
  /**
   * Cookie mode (with or without `overflow`) with revocation checks: each request that reads the session asks
   * its Durable Object whether it was destroyed or revoked, so copied cookies fail after logout (one round
   * trip; see `cacheFor`). Not with `store:`: a versioned store revokes by itself.
   */
  revocation?: RevocationOptions<C> | undefined;
  /**
   * Audit events (created, regenerated, authenticated, expired, invalid, destroyed, revoked, rotated-key,
   * store-failure), each with a keyed hash of the session id, never the id or data. Called after the
   * response is decided, through `waitUntil` when the request has one (the Hono middleware uses
   * `c.executionCtx.waitUntil`): it never delays the response, and what it throws is logged and dropped.
   */
  onEvent?: SessionEventHandler<C> | undefined;
  /**
   * With `onEvent`: a `size` event when a written session passes this share of its budget (the cookies'
   * capacity, or the store's value limit), naming its largest keys. Above 0, at most 1; default 0.75;
   * `false` for none.
   */
  sizeWarning?: number | false | undefined;
  /**
   * A Standard Schema validator of the session data (zod, valibot, arktype...): the session is typed from it,
   * its data is validated on the first read of each request (a session that fails is refused: a fresh one,
   * `invalid: "schema"`), and every write is checked before it is sealed (`SessionSchemaError`). See docs/schema.md.
   */
  schema?: SessionSchema | undefined;
  /**
   * With `schema`: the version of the data's shape, sealed with every session (a whole number, default 1).
   * Raise it when the shape changes and give `migrate`; a session sealed at a newer version (a rollback) is refused.
   */
  version?: number | undefined;
  /** With `schema`: upgrades data sealed at an earlier `version` before it is validated; the session is then sealed again, once. */
  migrate?: Migrate | undefined;
}

/** Options of the cookie-only engine: those of `edge-session`'s, without `store`, `overflow`, `revocation` and `storeTimeout`. */
export type CookieEngineOptions<C = unknown> = Omit<SessionEngineOptions<C>, "store" | "overflow" | "revocation" | "storeTimeout">;

/** Every key of {@link SessionEngineOptions}: what the engine accepts (the type keeps the two in step). */
const ENGINE_OPTIONS: KnownKeys<SessionEngineOptions> = {
  secret: true,
  purpose: true,
  encryption: true,
  cookie: true,
  lifetime: true,
  idleTimeout: true,
  absoluteTimeout: true,
  maxLifetime: true,
  maxIdleTimeout: true,
  maxAbsoluteTimeout: true,
  touchAfter: true,
  shouldRoll: true,
  now: true,
  overflow: true,
  store: true,
  storeTimeout: true,
  revocation: true,
  onEvent: true,
  sizeWarning: true,
  schema: true,
  version: true,
  migrate: true,
};

/**
 * Validates the mode options (`store`, `overflow`, `revocation`...) and returns the mode factory, given the
 * rest of the policy. An entry point passes its chooser to the engine, so an app bundles only the modes its
 * entry offers: `edge-session/cookie` the cookie mode, `edge-session` all of them.
 */
export type ChooseMode = <C>(options: SessionEngineOptions<C>, policy: Omit<Policy<C>, "modeOf">) => ModeFactory<C>;

/** Validates every option (throwing `SessionConfigError`) and prepares what requests share. */
export function resolveOptions<C>(options: SessionEngineOptions<C>, chooseMode: ChooseMode): Policy<C> {
  checkKeys(options, ENGINE_OPTIONS, "session options");
  const cookie = resolveCookie(options.cookie);
  const limits: ExpiryLimits = {
    idleTimeout: limit(options, "idleTimeout"),
    absoluteTimeout: limit(options, "absoluteTimeout"),
  };
  const lifetime = seconds(options, "lifetime") ?? 0;
  const bounds = boundsOf(options, limits, lifetime);
  const idle = idleLimit({ lifetime }, limits);
  const touchAfter = seconds(options, "touchAfter");
  if (touchAfter !== undefined && idle && touchAfter >= idle) {
    // lastUsed would only move when the session is already expired: a user who keeps reading is logged out.
    throw new SessionConfigError(`touchAfter (${touchAfter}) must be less than the idle limit (${idle} s, from idleTimeout or lifetime)`);
  }
  const touchAfterMs = 1000 * (touchAfter ?? (idle ? Math.max(1, Math.floor(idle / 10)) : 300));
  const now = options.now ?? Date.now;
  if (typeof now !== "function") throw new SessionConfigError("now must be a function returning ms since epoch");
  const { secret, shouldRoll } = options;
  if (shouldRoll !== undefined && typeof shouldRoll !== "function") throw new SessionConfigError("shouldRoll must be a function");
  const { onEvent } = options;
  if (onEvent !== undefined && typeof onEvent !== "function") throw new SessionConfigError("onEvent must be a function");

  const binding = typeof secret === "function" ? bindingOf(secret) : undefined;
  const keyrings = keyringCache(options.purpose ?? cookie.name, options.encryption ?? "A256GCM", binding);
  let fixedKeys: Promise<Keyring> | undefined;
  if (typeof secret !== "function") checkSecrets(secret); // weak secrets fail at start-up, not per request
  // Derived on first use (Workers allow no crypto at start-up); a per-request secret goes through the cache.
  const keysFor = (context: C): Promise<Keyring> =>
    typeof secret === "function" ? keyrings.get(secret(context)) : (fixedKeys ??= keyrings.get(secret));

  const policy = {
    cookie,
    touchAfterMs,
    bounds,
    maxLength: valueLimit(cookie),
    // Written lines leave room for the longest Max-Age a session may ask for (its own lifetime, up to maxLifetime).
    writeLength: writeLimit(cookie, bounds.max.lifetime),
    now,
    shouldRoll,
    keysFor,
    onEvent,
    sizeWatch: sizeWatchOf(options.sizeWarning),
    shape: schemaOf(options),
  };
  return Object.assign(policy, { modeOf: chooseMode(options, policy) });
}

/**
 * The env binding a secret function reads first (`(c) => c.env.SESSION_SECRET` gives `SESSION_SECRET`), from
 * its source text, or undefined: only to name it when it turns out unset. The function is never called here.
 * `process.env.NAME` counts, and so does a bundler's renamed env object (SvelteKit compiles `env.NAME` of
 * `$env/dynamic/private` to `private_env.NAME`).
 */
function bindingOf(secret: (context: never) => unknown): string | undefined {
  const found = /(?:\b|_)env\s*(?:\??\.\s*([A-Za-z_$][\w$]*)|\??\.?\[\s*(["'`])([A-Za-z_$][\w$-]*)\2\s*\])/.exec(
    Function.prototype.toString.call(secret),
  );
  return found?.[1] ?? found?.[3];
}

/** The upper bounds of a session's own limits: each at least the engine's value, which is its default. */
function boundsOf(options: SessionEngineOptions<never>, limits: ExpiryLimits, lifetime: number): LimitBounds {
  const maxLifetime = seconds(options, "maxLifetime") ?? lifetime;
  if (maxLifetime < lifetime) throw new SessionConfigError(`maxLifetime (${maxLifetime}) must be at least lifetime (${lifetime})`);
  const max = { lifetime: maxLifetime, idleTimeout: limits.idleTimeout, absoluteTimeout: limits.absoluteTimeout };
  for (const name of ["idleTimeout", "absoluteTimeout"] as const) {
    const key = name === "idleTimeout" ? "maxIdleTimeout" : "maxAbsoluteTimeout";
    const value = limit(options, key);
    if (value === undefined) continue;
    const base = limits[name];
    // Without the engine's own value, sessions would default to no limit at all: more than the maximum.
    if (base === undefined || value < base) throw new SessionConfigError(`${key} needs ${name}, at most ${key}`);
    max[name] = value;
  }
  return { limits, lifetime, max };
}

function seconds(options: SessionEngineOptions<never>, name: "lifetime" | "touchAfter" | "maxLifetime"): number | undefined {
  const value = options[name];
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new SessionConfigError(`${name} must be a whole number of seconds, at least 0`);
  }
  return value;
}

/** A timeout: omitted means none; 0 is refused, as `Number(env.IDLE_TIMEOUT ?? 0)` must not mean "no limit". */
function limit(
  options: SessionEngineOptions<never>,
  name: "idleTimeout" | "absoluteTimeout" | "maxIdleTimeout" | "maxAbsoluteTimeout",
): number | undefined {
  const value = options[name];
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new SessionConfigError(`${name} must be a whole number of seconds, at least 1 (omit it for no limit)`);
  }
  return value;
}
