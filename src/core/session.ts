import { defineKey, hasKeys, newSessionId, type SessionData, type SessionLimits, type SessionMeta } from "./envelope.js";
import { SessionClosedError, SessionConfigError, SessionNotLoadedError } from "./errors.js";
import { deadlineOf, idleLimit, type ExpiredReason } from "./expiry.js";
import { checkKeys, type KnownKeys } from "./known-keys.js";
import { checkLimits, lifetimeOf, limitsOf } from "./limits.js";
import type { InvalidReason } from "./token.js";
import { maskToken, tokenMatches } from "./csrf.js";
import type { Policy } from "./policy.js";
import { fresh, lastUsedAfter, stateOf, toSeconds, type SessionHooks, type SessionSource, type SessionState } from "./session-state.js";

export type { SessionHooks, SessionSource };

const REGENERATE_OPTIONS: KnownKeys<NonNullable<Parameters<Session["regenerate"]>[0]>> = { keepAuthentication: true };

/** The engine's handles on a session it created (set in the class's static block: the fields stay private). */
let started: (session: Session<any>) => boolean;
let loadState: (session: Session<any>) => Promise<SessionState>;
let close: (session: Session<any>) => void;
let hooks: (session: Session<any>) => SessionHooks;

/** The session was read or written: something may have to be written back. Engine only. */
export function sessionStarted(session: Session<any>): boolean {
  return started(session);
}

/** The session's state once loaded (the handler's changes applied). Engine only. */
export function sessionState(session: Session<any>): Promise<SessionState> {
  return loadState(session);
}

/** The request's time and event sender. Library modules only. */
export function sessionHooks(session: Session<any>): SessionHooks {
  return hooks(session);
}

/** From now on writes throw `SessionClosedError`: the response has left. Engine only. */
export function closeSession(session: Session<any>): void {
  close(session);
}

type Key<Data> = Extract<keyof Data, string>;

/**
 * The session of one request (`c.var.session`). Reads are async because the session is decrypted on first
 * use (a route that never reads it pays nothing); writes are synchronous and apply in order.
 */
export class Session<Data extends SessionData = SessionData> {
  readonly #source: SessionSource;
  readonly #policy: Policy;
  readonly #now: number;
  #state: SessionState | undefined;
  #loading: Promise<SessionState> | undefined;
  /** Writes made before the session was loaded, applied in order once it is (allocated on the first one). */
  #pending: ((state: SessionState) => void)[] | undefined;
  #rolls: boolean;
  #closed = false;

  /** @internal created by the session engine */
  constructor(source: SessionSource, policy: Policy, now: number, rolls: boolean) {
    this.#source = source;
    this.#policy = policy;
    this.#now = now;
    this.#rolls = rolls;
  }

  /** Decrypts the session (once per request) and returns it; afterwards `id`, `meta`, etc. are readable. */
  async load(): Promise<this> {
    await this.#load();
    return this;
  }

  async get<K extends Key<Data>>(key: K): Promise<Data[K] | undefined> {
    const { data } = await this.#load();
    return Object.hasOwn(data, key) ? (data[key] as Data[K]) : undefined;
  }

  async has(key: Key<Data>): Promise<boolean> {
    return Object.hasOwn((await this.#load()).data, key);
  }

  /** A shallow copy of all data. */
  async all(): Promise<Partial<Data>> {
    return { ...(await this.#load()).data } as Partial<Data>;
  }

  set<K extends Key<Data>>(key: K, value: Data[K]): void {
    this.#write("set", (state) => {
      defineKey(state.data, key, value);
      state.changedKeys.add(key);
    });
  }

  delete(key: Key<Data>): void {
    this.#write("delete", (state) => {
      delete state.data[key];
      state.changedKeys.add(key);
    });
  }

  clear(): void {
    this.#write("clear", (state) => {
      state.data = {};
      state.cleared = true;
    });
  }

  /** Stores a value readable once, on the next request that loads the session. */
  flash(key: string, value: unknown): void {
    this.#write("flash", (state) => {
      state.flashOut ??= {};
      defineKey(state.flashOut, key, value);
    });
  }

  /** Returns the flash value the previous request left under `key`, and removes it. */
  async takeFlash<T = unknown>(key: string): Promise<T | undefined> {
    const state = await this.#load();
    if (!state.flashIn || !Object.hasOwn(state.flashIn, key)) return undefined;
    if (this.#closed) throw new SessionClosedError("takeFlash");
    const value = state.flashIn[key] as T;
    delete state.flashIn[key];
    state.changed = true;
    return value;
  }

  /**
   * A new id and creation time, same data: call after login (session fixation defence). When the user last
   * authenticated is kept, unless `{ keepAuthentication: false }` (e.g. the session changes hands).
   */
  regenerate(options?: { keepAuthentication?: boolean | undefined }): void {
    if (options !== undefined && (typeof options !== "object" || options === null)) {
      throw new SessionConfigError("regenerate() takes an optional object { keepAuthentication? }");
    }
    checkKeys(options, REGENERATE_OPTIONS, "regenerate() options");
    const keep = options?.keepAuthentication !== false;
    this.#write("regenerate", (state) => {
      const now = toSeconds(this.#now);
      const { authenticatedAt, ...meta } = state.meta;
      state.meta = {
        ...meta,
        id: newSessionId(),
        created: now,
        lastUsed: now,
        ...(keep && authenticatedAt !== undefined ? { authenticatedAt } : {}),
      };
      state.replaced = true;
      if (!keep) state.authenticated = false;
    });
  }

  /**
   * Records that the user just proved who they are (login, or re-entering the password for a sensitive
   * action): sealed with the session, so it cannot be forged or carried to another session; read it with
   * {@link Session.authenticatedAgo} (or `requireRecentAuth()`). It does not extend the session's idle or
   * absolute deadline. Kept by `regenerate()`, cleared by `destroy()`.
   */
  authenticate(): void {
    this.#write("authenticate", (state) => {
      state.meta = { ...state.meta, authenticatedAt: toSeconds(this.#now) };
      state.authenticated = true;
    });
  }

  /**
   * Seconds since the user last called {@link Session.authenticate} in this session; undefined when never
   * (or when the session was sealed by a version without step-up).
   */
  authenticatedAgo(): number | undefined {
    const { authenticatedAt } = this.#loaded("authenticatedAgo").meta;
    return authenticatedAt === undefined ? undefined : Math.max(0, Math.floor((this.#now - authenticatedAt) / 1000));
  }

  /**
   * Sets this session's own limits, sealed with it and enforced by the server as the engine's are: e.g. a
   * "keep me signed in" box at login. Each limit given must not exceed the engine's bound (`maxLifetime`,
   * `maxIdleTimeout`, `maxAbsoluteTimeout`, by default the engine's own value), else `SessionLimitError`;
   * those omitted are the engine's, so `setLimits({})` goes back to them. Kept by `regenerate()`, cleared by
   * `destroy()`. The cookie's Max-Age and stored copies' TTLs follow from the next response on.
   *
   * @example
   * ```ts
   * session.regenerate();
   * if (form.remember) session.setLimits({ lifetime: 30 * 86400, idleTimeout: 7 * 86400 });
   * ```
   */
  setLimits(limits: SessionLimits): void {
    const own = checkLimits(limits, this.#policy.bounds);
    this.#write("setLimits", (state) => {
      const { limits: _, ...meta } = state.meta;
      state.meta = hasKeys(own) ? { ...meta, limits: own } : meta;
      state.meta.lifetime = lifetimeOf(state.meta, this.#policy.bounds);
    });
  }

  /** Clears the session, expires the cookie and deletes stored copies. Later writes start a new session. */
  destroy(): void {
    this.#write("destroy", (state) => {
      Object.assign(state, fresh(this.#now, this.#policy.bounds.lifetime), { replaced: true, changed: false });
    });
  }

  /** This request does not extend the idle timer (e.g. a polling endpoint). */
  skipRoll(): void {
    this.#rolls = false;
    if (this.#state) this.#state.rolls = false;
  }

  get id(): string {
    return this.#loaded("id").meta.id;
  }

  /** True when no valid session came with the request (or it was destroyed). */
  get isNew(): boolean {
    return this.#loaded("isNew").isNew;
  }

  /**
   * Created and lastUsed in ms since epoch, lifetime in seconds. `lastUsed` is what the response will seal:
   * now when this request rolls the session, else the last sealed use.
   */
  get meta(): SessionMeta {
    const state = this.#loaded("meta");
    return { ...state.meta, lastUsed: lastUsedAfter(state, this.#now, this.#policy.touchAfterMs) };
  }

  /**
   * Why the previous session was refused for its age: tell the user "you were logged out for inactivity".
   * Also on the requests after the one that met it (an idle-warning poll, an image), for 10 minutes or until
   * a new session is written or `destroy()`: that request left a sealed marker in the cookie's place.
   */
  get expired(): ExpiredReason | undefined {
    return this.#loaded("expired").expired;
  }

  /**
   * Why the cookie that came with the request was refused (malformed, tampered, unknown key...). A session
   * ended elsewhere (`"revoked"`, `"missing"`) is reported again after the request that met it, as for
   * {@link Session.expired}.
   */
  get invalid(): InvalidReason | undefined {
    return this.#loaded("invalid").invalid;
  }

  /** Seconds before the session expires for inactivity, without extending it; undefined when no limit is set. */
  idleSecondsLeft(): number | undefined {
    const state = this.#loaded("idleSecondsLeft");
    const limit = idleLimit(state.meta, limitsOf(state.meta, this.#policy.bounds));
    if (!limit) return undefined;
    const lastUsed = lastUsedAfter(state, this.#now, this.#policy.touchAfterMs);
    return Math.max(0, Math.floor((lastUsed + limit * 1000 - this.#now) / 1000));
  }

  /**
   * Seconds before the server refuses the session, idle or absolute limit whichever comes first, without
   * extending it; undefined when no limit is set. What a device list or a revocation record must outlive.
   */
  secondsLeft(): number | undefined {
    const state = this.#loaded("secondsLeft");
    const { bounds, touchAfterMs } = this.#policy;
    const deadline = deadlineOf({ ...state.meta, lastUsed: lastUsedAfter(state, this.#now, touchAfterMs) }, limitsOf(state.meta, bounds));
    return deadline === Infinity ? undefined : Math.max(0, Math.floor((deadline - this.#now) / 1000));
  }

  /**
   * A CSRF token for this session, for a form's hidden `_csrf` field or an `X-CSRF-Token` header: masked
   * afresh on every call (BREACH), bound to the session id, so it changes with `regenerate()` and `destroy()`
   * and never verifies for another session. It is valid once the session exists for the browser: a
   * session with no data is not kept, so a token made for it verifies on no later request.
   *
   * @example
   * ```ts
   * app.get("/transfer", async (c) => c.html(`<input type="hidden" name="_csrf" value="${await c.var.session.csrfToken()}">`));
   * ```
   */
  csrfToken(): Promise<string> {
    // Once the session is loaded and its secrets known (a request that verified the token it came with), at once.
    const secrets = this.#state && this.#source.knownCsrfSecrets(this.#state.meta.id);
    return secrets ? Promise.resolve(maskToken(secrets[0]!)) : this.#mintCsrfToken();
  }

  /**
   * Whether `token` is a CSRF token of this session (made by {@link Session.csrfToken} on an earlier or this
   * request, under any secret still in the ring), compared in constant time. False for anything else,
   * including any token while the session is new (no session came with the request).
   *
   * @example
   * ```ts
   * if (!(await c.var.session.verifyCsrf(c.req.header("X-CSRF-Token")))) return c.text("Forbidden", 403);
   * ```
   */
  verifyCsrf(token: unknown): Promise<boolean> {
    return Promise.resolve(this.#csrfVerdict(token));
  }

  static {
    // Private fields stay private to this module: the engine gets at them through the functions above.
    started = (session) => !!session.#loading || !!session.#pending;
    loadState = (session) => session.#load();
    close = (session) => {
      session.#closed = true;
    };
    hooks = (session) => ({ now: session.#now, emit: (event) => session.#source.emit(event) });
  }

  #write(operation: string, change: (state: SessionState) => void): void {
    if (this.#closed) throw new SessionClosedError(operation);
    if (!this.#loading && !this.#pending) this.#source.used();
    const apply = (state: SessionState) => {
      change(state);
      state.changed = true;
    };
    if (this.#state) apply(this.#state);
    else (this.#pending ??= []).push(apply);
  }

  /**
   * Whether `token` is this session's CSRF token: at once when the session is loaded and its secrets are known
   * (a request that verifies one token and mints the next awaits nothing for them), else a promise.
   */
  #csrfVerdict(token: unknown): boolean | Promise<boolean> {
    const state = this.#state;
    if (!state) return this.#load().then(() => this.#csrfVerdict(token));
    if (state.isNew || typeof token !== "string") return false;
    const { id } = state.meta;
    const known = this.#source.knownCsrfSecrets(id);
    return known ? tokenMatches(token, known) : this.#source.csrfSecrets(id).then((secrets) => tokenMatches(token, secrets));
  }

  async #mintCsrfToken(): Promise<string> {
    const { meta } = await this.#load();
    const [secret] = await this.#source.csrfSecrets(meta.id);
    return maskToken(secret!);
  }

  #loaded(property: string): SessionState {
    if (!this.#state) throw new SessionNotLoadedError(property);
    return this.#state;
  }

  #load(): Promise<SessionState> {
    if (this.#loading) return this.#loading;
    if (!this.#pending) this.#source.used();
    this.#loading = this.#source.open().then((found) => {
      const state = stateOf(found, this.#now, this.#policy, this.#rolls);
      for (const apply of this.#pending ?? []) apply(state);
      this.#pending = undefined;
      this.#state = state;
      return state;
    });
    return this.#loading;
  }
}
