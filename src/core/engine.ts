import { cookieNames, expiredCookies, readSessionCookie, sessionCookies, type SessionCookie } from "./chunks.js";
import { ENDED_MAX_AGE, endedReasonOf, isCurrent, sealEnded, type Ended } from "./ended.js";
import { hasKeys, type SessionData } from "./envelope.js";
import { SessionStoreError } from "./errors.js";
import { eventSender, type RawEvent, type WaitUntil } from "./events.js";
import type { Keyring } from "../crypto/keyring.js";
import { deadlineOf, expiryOf, UNBOUNDED_TTL } from "./expiry.js";
import { limitsOf } from "./limits.js";
import type { SessionMode } from "./mode.js";
import { closeSession, Session, sessionStarted, sessionState, type SessionSource } from "./session.js";
import { flashAfter, resealOf, type Found, type SessionState } from "./session-state.js";
import { logProgrammerError } from "./report.js";
import { shapeOpened } from "./migrate.js";
import { checkWrite } from "./schema.js";
import { sizeProbe, type Measure } from "./size-warning.js";
import { resolveOptions, type ChooseMode, type CookieEngineOptions, type SessionEngineOptions } from "./options.js";
import type { SchemaData, SessionSchema } from "./schema.js";
import type { Policy } from "./policy.js";

/** One request's session, from the engine's `start()` to its `commit()` or `abort()`. */
export interface RequestSession<Data extends SessionData = SessionData> {
  /** Hand this to the handler: it decrypts on first use, so a request that never reads it pays nothing. */
  readonly session: Session<Data>;
  /**
   * After the handler: writes back what changed and returns the `Set-Cookie` header values to add to the
   * response (none, usually). Throws a `SessionError` when the session cannot be written: the handler's
   * response must then not be sent (it may hold data the failed write was meant to go with).
   */
  commit(): Promise<string[]>;
  /** After a handler that failed: writes nothing, releases what the request held (e.g. a session lock). */
  abort(): Promise<void>;
}

/** What the engine reads of a request's headers: `get("Cookie")`, once, on the session's first use. `Headers` is one. */
export type RequestHeaders = Pick<Headers, "get">;

/** Sessions for any framework, or none: web-standard `Headers` in, `Set-Cookie` values out. */
export interface SessionEngine<Data extends SessionData = SessionData, C = unknown> {
  /**
   * Starts a request. `headers` are the request's (only its Cookie header is read, and only when the session
   * is used); `context` is what option functions receive (`secret: (c) => ...`).
   */
  start(headers: RequestHeaders, context: C, options?: StartOptions): RequestSession<Data>;
}

/** Per-request options of {@link SessionEngine.start}. */
export interface StartOptions {
  /** Keeps `onEvent` deliveries alive after the response (a Worker's `ctx.waitUntil`); without it they run unawaited. */
  waitUntil?: WaitUntil | undefined;
  /**
   * Called once (as a method of these options), on the session's first use (its first read or write), before
   * the cookie is looked at: an adapter that must watch the handler's responses starts there, so a route that
   * never touches the session pays nothing for it.
   */
  onFirstUse?: (() => void) | undefined;
}

/**
 * The overloads of an entry point's `sessionEngine()`, written once for both entries (`Entry` picks its
 * options): with a `schema`, the session's data type is the schema's output; without, `Data`.
 *
 * @example
 * ```ts
 * export const sessionEngine: SessionEngineFunction<"all"> = (options: SessionEngineOptions<any>) => createEngine<any, any>(options, chooseMode);
 * ```
 */
export interface SessionEngineFunction<Entry extends "all" | "cookie"> {
  <S extends SessionSchema, C = unknown>(
    options: (Entry extends "cookie" ? CookieEngineOptions<C> : SessionEngineOptions<C>) & { schema: S },
  ): SessionEngine<SchemaData<S>, C>;
  <Data extends SessionData = SessionData, C = unknown>(
    options: Entry extends "cookie" ? CookieEngineOptions<C> : SessionEngineOptions<C>,
  ): SessionEngine<Data, C>;
}

/**
 * The request cycle over the modes `chooseMode` offers; the entry points' `sessionEngine` functions build it
 * with every mode (`edge-session`) or the cookie mode only (`edge-session/cookie`).
 */
export function createEngine<Data extends SessionData, C>(
  options: SessionEngineOptions<C>,
  chooseMode: ChooseMode,
): SessionEngine<Data, C> & { readonly cookieNames: readonly string[] } {
  const policy = resolveOptions(options, chooseMode);
  return {
    start: (headers, context, options) => new RequestCycle<Data, C>(policy, headers, context, options),
    cookieNames: cookieNames(policy.cookie), // for the Hono adapter (responses.ts)
  };
}

const NO_COOKIE: SessionCookie = { found: 0 };

/**
 * One request, from `start()` to `commit()`: the cookie is found, opened and judged on the session's first use
 * (`open`, called by the Session), and written back after the handler (`commit`). One object per request, no
 * closures: an untouched route pays for little more than its allocation.
 */
class RequestCycle<Data extends SessionData, C> implements RequestSession<Data>, SessionSource {
  readonly session: Session<Data>;
  readonly #policy: Policy<C>;
  readonly #headers: RequestHeaders;
  readonly #context: C;
  readonly #now: number;
  readonly #emit: ((event: RawEvent) => void) | undefined;
  readonly #options: StartOptions | undefined;
  #lookup = NO_COOKIE;
  #mode: SessionMode | undefined;
  /** The id of the live session the cookie opened to (not an expired or refused one): what events compare with. */
  #openedId: string | undefined;
  #keys: Keyring | undefined;
  /** The cookie was a current ended-session marker: its reason is reported again, and it is left as it is. */
  #marker = false;

  constructor(policy: Policy<C>, headers: RequestHeaders, context: C, options: StartOptions | undefined) {
    this.#policy = policy;
    this.#headers = headers;
    this.#context = context;
    this.#options = options;
    const now = (this.#now = policy.now());
    const { onEvent } = policy;
    this.#emit = onEvent ? eventSender(onEvent, now, () => policy.keysFor(context), context, options?.waitUntil) : undefined;
    // 4. the Session the handler uses; it asks open() on its first use.
    this.session = new Session<Data>(this, policy, now, policy.shouldRoll?.(context) !== false);
  }

  /** @internal Called by the Session once, on its first use, before open(). */
  used(): void {
    this.#options?.onFirstUse?.();
  }

  /** @internal Called by the Session once, on its first use. */
  async open(): Promise<Found> {
    let found: Found;
    try {
      found = await this.#read();
    } catch (error) {
      return this.#failed(error);
    }
    if (this.#marker) return found; // the end was reported once, by the request that met the session itself
    const emit = this.#emit;
    const id = found.opened?.ok ? found.opened.envelope.meta.id : undefined;
    const { shape } = this.#policy;
    if (shape && found.opened?.ok && !found.invalid && !found.expired) {
      // The schema runs here, on the session's first read: a route that never reads it never awaits the validator.
      const shaped = await shapeOpened(shape, found.opened.envelope);
      if (!shaped.ok) {
        const { paths, version } = shaped;
        emit?.({ type: "invalid", id, reason: "schema", paths, ...(version === undefined ? {} : { version }) });
        return { opened: found.opened, invalid: "schema" };
      }
      found.opened.envelope.data = shaped.data;
      found.migrated = shaped.migrated;
    }
    if (found.invalid) emit?.({ type: "invalid", id, reason: found.invalid });
    else if (found.expired) emit?.({ type: "expired", id: id!, reason: found.expired });
    else this.#openedId = id;
    return found;
  }

  /**
   * @internal Called by the Session for CSRF tokens, after its first read: the keys that opened the cookie,
   * whose secrets are cached per id, so a token costs no second look-up of the secret.
   */
  csrfSecrets(id: string): Promise<Uint8Array[]> {
    const keys = this.#keys;
    return keys ? keys.csrfSecrets(id) : this.#policy.keysFor(this.#context).then((ring) => ring.csrfSecrets(id));
  }

  /** @internal Called by the Session for CSRF tokens: the secrets {@link csrfSecrets} gave the keys that opened the cookie, if kept. */
  knownCsrfSecrets(id: string): Uint8Array[] | undefined {
    return this.#keys?.knownCsrfSecrets(id);
  }

  /** @internal Called by the Session for events of modules built on it (DBSC). */
  emit(event: RawEvent): void {
    this.#emit?.(event);
  }

  /** 1. the cookie, 2. opened through the mode, 3. judged by its deadlines. */
  async #read(): Promise<Found> {
    const policy = this.#policy;
    const lookup = (this.#lookup = readSessionCookie(this.#headers.get("Cookie"), policy.cookie));
    let keys: Keyring;
    try {
      keys = this.#keys = await policy.keysFor(this.#context);
    } catch (error) {
      return reported(error);
    }
    const mode = (this.#mode = policy.modeOf(keys, this.#context));
    if (lookup.found === 0) return { opened: undefined };
    if (lookup.found === "many") return { opened: undefined, invalid: "duplicate" };
    if (lookup.found === "chunks") return { opened: undefined, invalid: "chunks" };
    const opened = await mode.open(lookup.value, policy.maxLength);
    if (!opened.ok) return opened.ended ? this.#markerFound(opened.ended) : { opened, invalid: opened.reason };
    const { meta } = opened.envelope;
    const verdict = expiryOf(meta, this.#now, limitsOf(meta, policy.bounds));
    return verdict === "future" ? { opened, invalid: "future" } : { opened, expired: verdict };
  }

  /** An ended-session marker: the reason it carries, as the request that set it saw it; nothing once it is old. */
  #markerFound({ reason, at }: Ended): Found {
    if (!isCurrent({ reason, at }, this.#now)) return { opened: undefined };
    this.#marker = true;
    return reason === "revoked" || reason === "missing" ? { opened: undefined, invalid: reason } : { opened: undefined, expired: reason };
  }

  /** 5. after the handler: seal, write, Set-Cookie. */
  async commit(): Promise<string[]> {
    const { session } = this;
    closeSession(session); // a change from here on (a stream() callback) could no longer reach the cookie
    if (!sessionStarted(session)) return []; // untouched (lazy): the cookie stays as it was
    try {
      const state = await sessionState(session); // opens the cookie now if the handler only wrote
      const { shape } = this.#policy;
      if (shape && (state.cleared || state.changedKeys.size > 0) && hasKeys(state.data)) await checkWrite(shape, state.data);
      const lookup = this.#lookup;
      const incoming = lookup.found === 1 ? lookup.value : undefined;
      const came: CookieIn = { found: lookup.found !== 0, marker: this.#marker, keys: this.#keys! };
      const { sizeWatch } = this.#policy;
      const probe = this.#emit && sizeWatch && sizeProbe(sizeWatch);
      const written = await persist(this.#policy, state, this.#mode!, this.#now, incoming, came, probe?.measure);
      if (this.#emit) lifecycle(state, written, this.#openedId, this.#emit);
      if (probe && written.outcome === "sealed") probe.report(state.meta.id, state.data, this.#emit!);
      return written.cookies;
    } catch (error) {
      return this.#failed(error);
    } finally {
      await this.#mode?.close?.(); // e.g. the session's lock (exclusive mode) goes with the request, whatever happened
    }
  }

  async abort(): Promise<void> {
    closeSession(this.session);
    await this.#mode?.close?.();
  }

  /** Store failures are audit events too; the error goes on to fail the request. */
  #failed(error: unknown): never {
    if (error instanceof SessionStoreError) this.#emit?.({ type: "store-failure", operation: error.operation });
    return reported(error);
  }
}

/** Writes the session back when something requires it; returns the Set-Cookie values (none, usually). */
async function persist(
  policy: Policy,
  state: SessionState,
  mode: SessionMode,
  now: number,
  incoming: string | undefined,
  came: CookieIn,
  measure: Measure | undefined,
): Promise<Written> {
  const { cookie, touchAfterMs, writeLength } = policy;
  const flash = flashAfter(state);
  if (!hasKeys(state.data) && !(flash && hasKeys(flash))) {
    // Nothing worth keeping: no empty sessions for anonymous visitors, and a session emptied by the app ends
    // (with its stored copy).
    const ends = state.replaced || !state.isNew;
    if (ends) await mode.discard(state.previous);
    return { cookies: await cookiesLeft(cookie, state, ends, came, now), outcome: ends ? "ended" : "unchanged" };
  }
  const reseal = resealOf(state, now, touchAfterMs);
  if (!reseal.due) return { cookies: [], outcome: "unchanged" };
  const { meta } = state;
  const { lifetime } = meta; // the session's own, or the engine's
  const limits = limitsOf(meta, policy.bounds);
  const rollsCookie = lifetime > 0 && reseal.lastUsed !== meta.lastUsed; // a persistent cookie's Max-Age moves on
  meta.lastUsed = reseal.lastUsed;
  if (policy.shape) meta.version = policy.shape.version;

  const deadline = deadlineOf(meta, limits);
  const ttl = deadline === Infinity ? UNBOUNDED_TTL : Math.max(1, Math.ceil((deadline - now) / 1000));
  const { data, changedKeys, cleared } = state;
  const value = await mode.save(
    { data, meta, flash },
    {
      cookieName: cookie.name,
      maxLength: writeLength,
      previous: state.previous,
      // A live session this request read (not an expired or refused cookie) gives way to a new id.
      replaces: state.replaced && state.previous?.ok === true && !state.expired && !state.invalid,
      ttl,
      now,
      incoming,
      changedKeys,
      cleared,
      authenticated: state.authenticated,
      measure,
    },
  );
  // The store found the session ended meanwhile (destroyed or regenerated by another request, deleted by an
  // admin, expired): nothing was written. The cookie is left alone: the request that ended the session has
  // set the browser's cookie already (expired, or the regenerated id), and a dead one is refused next time.
  if (value === null) return { cookies: [], outcome: "gone" };
  // Only once the new copy is safely written does the old one go (regenerate, or the session moved).
  if (state.replaced) await mode.discard(state.previous);
  if (value === incoming && !rollsCookie) return { cookies: [], outcome: "sealed" };
  const maxAge = lifetime && limits.absoluteTimeout ? Math.min(lifetime, ttl) : lifetime;
  return { cookies: sessionCookies(cookie, value, maxAge), outcome: "sealed" };
}

/** What came with the request, for what an empty response leaves of it. */
interface CookieIn {
  found: boolean;
  /** A current ended-session marker. */
  marker: boolean;
  keys: Keyring;
}

/**
 * The cookies a response with nothing worth keeping sets. A session that ended by itself (a time limit,
 * revoked or gone) is replaced with an ended-session marker (one cookie, every chunk name expired), so the
 * page after whichever request met it first (an idle-warning poll, an image) can still read why; a marker is
 * left as it is, for the same reason (a poll does not consume it). A session the app ended (destroy(), all
 * data deleted) and any other refused cookie are removed, with every chunk name.
 */
async function cookiesLeft(cookie: Policy["cookie"], state: SessionState, ends: boolean, came: CookieIn, now: number) {
  if (!came.found) return [];
  if (!ends) {
    if (came.marker) return [];
    const reason = endedReasonOf(state);
    if (reason) return sessionCookies(cookie, await sealEnded(reason, now, came.keys), ENDED_MAX_AGE);
  }
  return expiredCookies(cookie);
}

/**
 * What persist() did besides the Set-Cookie values: sealed the session, left it as it was, ended it (and
 * deleted its stored copies), or found it gone (ended by another request meanwhile: nothing written).
 */
interface Written {
  cookies: string[];
  outcome: "sealed" | "unchanged" | "ended" | "gone";
}

/**
 * The lifecycle events of a committed request, from what the cookie opened to (`openedId`, a live session)
 * and what was written. Only what reached the store or the cookie is reported.
 */
function lifecycle(state: SessionState, written: Written, openedId: string | undefined, emit: (event: RawEvent) => void): void {
  if (written.outcome === "ended" && openedId !== undefined) emit({ type: "destroyed", id: openedId });
  if (written.outcome !== "sealed") return; // unchanged, or ended by another request: nothing of this one's happened
  const { id } = state.meta;
  if (openedId === undefined) emit({ type: "created", id });
  else if (state.isNew) {
    emit({ type: "destroyed", id: openedId }); // destroy() and new data: a new session in place of the old one
    emit({ type: "created", id });
  } else if (id !== openedId) emit({ type: "regenerated", id, previous: openedId });
  else if (state.rotated) emit({ type: "rotated-key", id });
  if (state.authenticated) emit({ type: "authenticated", id });
}

/** Programmer errors found per request are logged once per isolate (report.ts): a bare 500 alone tells nobody why. */
function reported(error: unknown): never {
  logProgrammerError(error);
  throw error;
}
