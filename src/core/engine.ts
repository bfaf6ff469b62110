import { expiredCookies, readSessionCookie, sessionCookies, valueLimit, type SessionCookie } from "./chunks.js";
import { hasKeys, type SessionData } from "./envelope.js";
import { SessionConfigError, SessionStoreError } from "./errors.js";
import { eventSender, type RawEvent, type WaitUntil } from "./events.js";
import { deadlineOf, expiryOf, UNBOUNDED_TTL } from "./expiry.js";
import type { SessionMode } from "../modes/mode.js";
import { flashAfter, resealOf, Session, sessionControl, type Found, type SessionState } from "./session.js";
import { resolveOptions, type ChooseMode, type SessionEngineOptions } from "./options.js";

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

/** Sessions for any framework, or none: web-standard `Headers` in, `Set-Cookie` values out. */
export interface SessionEngine<Data extends SessionData = SessionData, C = unknown> {
  /**
   * Starts a request. `headers` are the request's (only its Cookie header is read, and only when the session
   * is used); `context` is what option functions receive (`secret: (c) => ...`).
   */
  start(headers: Headers, context: C, options?: StartOptions): RequestSession<Data>;
}

/** Per-request options of {@link SessionEngine.start}. */
export interface StartOptions {
  /** Keeps `onEvent` deliveries alive after the response (a Worker's `ctx.waitUntil`); without it they run unawaited. */
  waitUntil?: WaitUntil | undefined;
}

/**
 * The request cycle over the modes `chooseMode` offers; the entry points' `sessionEngine` functions build it
 * with every mode (`edge-session`) or the cookie mode only (`edge-session/cookie`).
 */
export function createEngine<Data extends SessionData, C>(
  options: SessionEngineOptions<C>,
  chooseMode: ChooseMode,
): SessionEngine<Data, C> {
  const config = resolveOptions(options, chooseMode);
  const { cookie, limits, lifetime, touchAfterMs } = config;
  const maxLength = valueLimit(cookie);

  return {
    start(headers, context, options) {
      const now = config.clock();
      let lookup: SessionCookie = { found: 0 };
      let mode: SessionMode | undefined;
      /** The id of the live session the cookie opened to (not an expired or refused one): what events compare with. */
      let openedId: string | undefined;
      const { onEvent } = config;
      const emit = onEvent ? eventSender(onEvent, now, () => config.keysFor(context), context, options?.waitUntil) : undefined;
      /** Store failures are audit events too; the error goes on to fail the request. */
      const failed = (error: unknown): never => {
        if (error instanceof SessionStoreError) emit?.({ type: "store-failure", operation: error.operation });
        return reported(error);
      };
      // 1. cookie, 2. open through the mode, 3. expiry: on the session's first use only.
      const read = async (): Promise<Found> => {
        lookup = readSessionCookie(headers.get("Cookie"), cookie);
        mode = config.modeOf(await config.keysFor(context).catch(reported), context);
        if (lookup.found === 0) return { opened: undefined };
        if (lookup.found === "many") return { opened: undefined, invalid: "duplicate" };
        if (lookup.found === "chunks") return { opened: undefined, invalid: "chunks" };
        const opened = await mode.open(lookup.value, maxLength);
        if (!opened.ok) return { opened, invalid: opened.reason };
        const verdict = expiryOf(opened.envelope.meta, now, limits);
        return verdict === "future" ? { opened, invalid: "future" } : { opened, expired: verdict };
      };
      const open = async (): Promise<Found> => {
        const found = await read().catch(failed);
        const id = found.opened?.ok ? found.opened.envelope.meta.id : undefined;
        if (found.invalid) emit?.({ type: "invalid", id, reason: found.invalid });
        else if (found.expired) emit?.({ type: "expired", id: id!, reason: found.expired });
        else openedId = id;
        return found;
      };
      // 4. the Session the handler uses.
      const rolls = config.shouldRoll?.(context) !== false;
      const session = new Session<Data>(open, { now, limits, lifetime, touchAfterMs, rolls });
      const control = sessionControl(session);

      return {
        session,
        // 5. after the handler: seal, write, Set-Cookie.
        async commit() {
          control.close(); // a change from here on (a stream() callback) could no longer reach the cookie
          if (!control.started) return []; // untouched (lazy): the cookie stays as it was
          try {
            const state = await control.load();
            const written = await persist(state, mode!, now, lookup.found === 1 ? lookup.value : undefined, lookup.found !== 0);
            if (emit) lifecycle(state, written, openedId, emit);
            return written.cookies;
          } catch (error) {
            return failed(error);
          } finally {
            await mode?.close?.(); // e.g. the session's lock (exclusive mode) goes with the request, whatever happened
          }
        },
        async abort() {
          control.close();
          await mode?.close?.();
        },
      };
    },
  };

  /** Writes the session back when something requires it; returns the Set-Cookie values (none, usually). */
  async function persist(
    state: SessionState,
    mode: SessionMode,
    now: number,
    incoming: string | undefined,
    hadCookie: boolean,
  ): Promise<Written> {
    const flash = flashAfter(state);
    if (!hasKeys(state.data) && !(flash && hasKeys(flash))) {
      // Nothing worth keeping: no empty sessions for anonymous visitors, a session emptied by the app ends
      // (with its stored copy), and a refused cookie is removed (with every chunk name).
      const ends = state.replaced || !state.isNew;
      if (ends) await mode.discard(state.previous);
      return { cookies: hadCookie ? expiredCookies(cookie) : [], outcome: ends ? "ended" : "unchanged" };
    }
    const reseal = resealOf(state, now, touchAfterMs);
    if (!reseal.due) return { cookies: [], outcome: "unchanged" };
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
        maxLength,
        previous: state.previous,
        ttl,
        now,
        incoming,
        changes: {
          data,
          flash,
          lastUsed: meta.lastUsed,
          changedKeys,
          cleared,
          ...(state.authenticated ? { authenticatedAt: meta.authenticatedAt } : {}),
        },
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

/** Configuration errors found per request are logged once per isolate: a bare 500 alone tells nobody why. */
const logged = new Set<string>();

function reported(error: unknown): never {
  if (error instanceof SessionConfigError && !logged.has(error.message)) {
    logged.add(error.message);
    console.error(`edge-session: ${error.message}`); // messages never hold a secret
  }
  throw error;
}
