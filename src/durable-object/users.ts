import { SessionConfigError, SessionDeviceLimitError } from "../core/errors.js";
import { CLOCK_SKEW_MS, UNBOUNDED_TTL } from "../core/expiry.js";
import { checkKeys, type KnownKeys } from "../core/known-keys.js";
import type { Session } from "../core/session.js";
import {
  CALL_TIMEOUT_MS,
  isLimit,
  isTime,
  MAX_LIMIT,
  SESSION_PREFIX,
  USER_PREFIX,
  type DeviceLimit,
  type DeviceSession,
  type IndexedSession,
  type RevokeResult,
} from "./protocol.js";
import { MAX_TTL } from "../stores/versioned.js";
import { forget, rememberLink } from "./revocation-cache.js";
import { recheckWindowOf, revocationBoundOf } from "./revocation-bound.js";
import { storeCall } from "../stores/store.js";
import { checkNamespace, DurableObjectStore, type SessionObjectNamespace } from "./store.js";
import { checkTtl } from "../stores/store-checks.js";
import { isTraits, traitsOf } from "../stores/device-traits.js";
import { objectNamed, type ObjectApi } from "./stub.js";

/** The loaded session of the request (`await c.var.session.load()`). */
export type LinkableSession = Pick<Session, "id" | "meta" | "secondsLeft">;

export interface LinkOptions {
  /** What the device list shows, e.g. "Firefox on Linux". At most 256 characters. Default "". */
  device?: string | undefined;
  /**
   * Seconds the link lives unless the session is written or checked again; at most the session's time left
   * (`secondsLeft()`), to which a larger value is cut. Default: the session's time left (idle, absolute and
   * cookie lifetime limits), or 14 days when it has no limit at all. Server-side sessions carry it forward
   * on every write, cookie-mode sessions with revocation checks on every check of their user's object (which
   * is why the engine with revocation checks built in this isolate for this namespace adds its re-check window, the
   * longer of `recheckAfter` and `cacheFor`: a cookie may be resealed that long after a check without a new
   * one). A session whose link has lapsed leaves the device list and is no longer ended by
   * `revokeAllSessions` (`revokeSession` still ends it).
   */
  ttl?: number | undefined;
  /**
   * At most this many sessions per user (1 to 1000), counted as the session is linked, concurrent logins
   * included: no more than `maxSessions` are ever linked. Default: no limit.
   */
  maxSessions?: number | undefined;
  /**
   * What a login over `maxSessions` does: `"end-oldest"` (default) revokes the user's oldest-linked sessions to
   * make room; `"refuse"` links nothing and throws `SessionDeviceLimitError`.
   */
  policy?: "end-oldest" | "refuse" | undefined;
}

export type RevokeAllOptions = {
  /** Session id(s) to keep, e.g. the current one: "log out my other devices". */
  except?: string | readonly string[] | undefined;
};

export interface RevokeSessionOptions {
  /**
   * Seconds a copied cookie of the session stays refused (cookie mode with revocation checks), at least.
   * Default: as long as the engine with revocation checks built in this isolate for this namespace lets a copy be
   * accepted (its idle limit plus its re-check window, the longer of `recheckAfter` and `cacheFor`, or its
   * absolute limit; plus clock skew), or 14 days when no such engine was built here: an admin Worker
   * without one passes its own limits (e.g. `idleTimeout + recheckAfter + 60`).
   */
  ttl?: number | undefined;
}

const LINK_OPTIONS: KnownKeys<LinkOptions> = { device: true, ttl: true, maxSessions: true, policy: true };
const REVOKE_ALL_OPTIONS: KnownKeys<RevokeAllOptions> = { except: true };
const REVOKE_OPTIONS: KnownKeys<RevokeSessionOptions> = { ttl: true };

const MAX_ID_LENGTH = 256;
const SKEW_SECONDS = Math.ceil(CLOCK_SKEW_MS / 1000);
/** Objects called at once when a listing or revocation fans out over a user's sessions. */
const FAN_OUT = 16;

/**
 * Links the (loaded) session to a user at login, so it shows in `listSessions` and ends with
 * `revokeAllSessions`. Call it after `session.regenerate()`: a new id is a new, unlinked session.
 * Returns false, with nothing linked, when the session was revoked meanwhile, has no time left, or a
 * `revokeAllSessions` of this user ran while it was being linked (then the session is revoked too).
 * A session linked to another user before leaves that user's list.
 *
 * ```ts
 * const s = await c.var.session.load();
 * s.regenerate();
 * s.set("user", user.id);
 * await linkSession(c.env.SESSION_OBJECTS, s, user.id, { device: deviceName(c.req.header("User-Agent")) });
 * ```
 */
export async function linkSession(
  namespace: SessionObjectNamespace,
  session: LinkableSession,
  userId: string,
  options: LinkOptions = {},
): Promise<boolean> {
  checkTarget("linkSession", namespace, "userId", userId);
  const { id, created, lastUsed, left } = linkable(session);
  // At login the request rolls the session: its deadline is counted from lastUsed, which is now. A session
  // is never bound yet then (its data is not read here); its next write or check reports that.
  const reported = traitsOf({ meta: session.meta, data: {} }, left === undefined ? undefined : lastUsed + left * 1000);
  const traits = isTraits(reported) ? reported : undefined; // a hand-made LinkableSession may lack lifetime
  checkOptions(options, LINK_OPTIONS, "linkSession");
  const device = options.device ?? "";
  if (typeof device !== "string" || device.length > MAX_ID_LENGTH)
    throw new SessionConfigError(`device must be a string of at most ${MAX_ID_LENGTH} characters`);
  if (options.ttl !== undefined) checkTtl(options.ttl, "ttl", 1);
  const limit = deviceLimit(options);
  // The link lives as long as the session can be accepted: never longer (a dead session must not be listed).
  const accepted = Math.min(options.ttl ?? left ?? UNBOUNDED_TTL, left ?? MAX_TTL, MAX_TTL);
  if (accepted < 1) return false;
  // With revocation checks, the cookie this request seals may be resealed until its first check is due
  // (recheckAfter), without a call: the link must outlive the idle deadline such a reseal sets. Later checks
  // carry it forward from their own time.
  const ttl = Math.min(MAX_TTL, accepted + recheckWindowOf(namespace));
  // Sessions that ended since they were linked must not count against the limit: the listing drops them.
  if (limit) await listSessions(namespace, userId);
  const indexed = await storeCall("set", async () => {
    const index = user(namespace, userId);
    // Index, link, confirm: a revokeAllSessions running meanwhile either finds the entry (and revokes the
    // session, linked or not yet) or bumps the generation, so the confirmation fails and the link is undone.
    const { seq, generation, refused, evicted, dropped } = await index.addSession(id, ttl, limit);
    if (refused) return "refused";
    dropped?.forEach(forget); // cookie sessions: ended by that step already
    // Marked ending (concurrent logins do not count them; still listed): ended before this one is linked,
    // and out of the index only once their objects confirmed. A failure leaves them listed and ending (the
    // next login or revokeAllSessions retries them) and fails this login.
    if (evicted?.length) {
      try {
        await revokeIndexed(namespace, userId, evicted);
      } catch (error) {
        await index.removeSessions([{ id, seq }]); // this login fails: it is not left pending in the index
        throw error;
      }
    }
    const linked = await sessionObject(namespace, id).link({ userId, device, created, lastUsed, ttl, seq, traits });
    if (!linked.linked) {
      await index.removeSessions([{ id, seq }]);
      return false;
    }
    // An account switch without regenerate(): the session leaves the previous user's list (and reach).
    if (linked.previous) await user(namespace, linked.previous.userId).removeSessions([{ id, seq: linked.previous.seq }]);
    if (await index.confirmSession(id, seq, generation)) {
      // The cookie this request seals names the user and generation: its checks ask the user's object.
      rememberLink(id, { userId, generation });
      return true;
    }
    await new DurableObjectStore(namespace).end(id, Math.min(MAX_TTL, Math.max(ttl, revocationBoundOf(namespace) ?? 0) + SKEW_SECONDS));
    return false;
  });
  if (indexed === "refused") throw new SessionDeviceLimitError(limit!.max);
  return indexed;
}

/**
 * What a helper acts on, checked (`SessionConfigError`): the SessionObject namespace, the id it names, and
 * its options when it takes some.
 */
function checkTarget<T extends object>(
  helper: string,
  namespace: unknown,
  idName: string,
  id: unknown,
  options?: T,
  known?: KnownKeys<T>,
): asserts id is string {
  checkNamespace(namespace, helper);
  checkId(id, idName);
  if (known) checkOptions(options!, known, helper);
}

/** A helper's options, checked: an object with only the keys it knows (`SessionConfigError` otherwise). */
function checkOptions<T extends object>(options: T, known: KnownKeys<T>, helper: string): void {
  if (typeof options !== "object" || options === null) throw new SessionConfigError(`${helper} options must be an object`);
  checkKeys(options, known, `${helper} options`);
}

function deviceLimit(options: LinkOptions): DeviceLimit | undefined {
  const { maxSessions, policy = "end-oldest" } = options;
  if (maxSessions === undefined) {
    if (options.policy !== undefined) throw new SessionConfigError("policy needs maxSessions");
    return undefined;
  }
  const limit = { max: maxSessions, policy };
  if (!isLimit(limit)) {
    throw new SessionConfigError(`maxSessions must be a whole number from 1 to ${MAX_LIMIT}, and policy "end-oldest" or "refuse"`);
  }
  return limit;
}

/**
 * Revokes sessions marked ending in the user's index in their objects (those linked to this user, or to no
 * one), then removes the entries of those that confirmed. Answers what each revoke found (undefined where
 * it failed); throws when one could not be revoked, leaving it ending in the index for a retry.
 */
async function revokeIndexed(
  namespace: SessionObjectNamespace,
  userId: string,
  entries: readonly IndexedSession[],
): Promise<(RevokeResult | undefined)[]> {
  const bound = revocationBoundOf(namespace) ?? 0;
  const results = await inBatches(entries, ({ id, ttlLeft }) =>
    sessionObject(namespace, id)
      // ttlLeft: a session indexed but not linked yet is revoked for as long as its link would have lived.
      .revoke(Math.min(MAX_TTL, Math.max(bound, ttlLeft + SKEW_SECONDS)), userId)
      .catch(() => undefined),
  );
  entries.forEach(({ id }) => forget(id));
  const done = entries.filter((_, i) => results[i]).map(({ id, seq }) => ({ id, seq }));
  if (done.length) await user(namespace, userId).removeSessions(done);
  if (done.length < entries.length) throw new Error(`${entries.length - done.length} sessions could not be revoked`);
  return results;
}

/**
 * The user's live sessions, most recently used first: those linked to this user whose link has not lapsed
 * (it lasts as long as the session can be accepted; in cookie mode with revocation checks, as long as the
 * last check of the user's object lets a cookie resealed before the next check be accepted). Costs one call
 * to the user's object and one per session (in parallel); entries of sessions that expired, were revoked or
 * were linked to another user are dropped from the index.
 */
export async function listSessions(namespace: SessionObjectNamespace, userId: string): Promise<DeviceSession[]> {
  checkTarget("listSessions", namespace, "userId", userId);
  return storeCall("list", async () => {
    const entries = await user(namespace, userId).sessions();
    // The index's record of cookie checks counts as much as the link's own expiry: its alarm may not have
    // asked the index yet.
    const infos = await inBatches(entries, (entry) => sessionObject(namespace, entry.id).info(entry.used?.until));
    const live: DeviceSession[] = [];
    const dead: { id: string; seq: number }[] = [];
    entries.forEach(({ id, seq, pending, used }, i) => {
      const info = infos[i];
      if (info && info.userId === userId) {
        const { device, created, lastUsed } = info;
        // The latest report's traits: a check's (cookie mode) or the link's (login, server-side writes).
        const traits = used?.traits && used.lastUsed >= lastUsed ? used.traits : info.traits;
        live.push({ id, device, created, lastUsed: Math.max(lastUsed, used?.lastUsed ?? 0), ...traits });
      } else if (!pending) dead.push({ id, seq }); // a pending entry's session may be linked any moment now
    });
    if (dead.length) await user(namespace, userId).removeSessions(dead);
    return live.sort((a, b) => b.lastUsed - a.lastUsed);
  });
}

/**
 * Ends one session now, in every location: its stored value is deleted, a copied cookie is refused (in
 * cookie mode with revocation checks on) for `options.ttl` seconds at least (see
 * {@link RevokeSessionOptions.ttl} for the default), and it leaves its user's list.
 */
export async function revokeSession(
  namespace: SessionObjectNamespace,
  sessionId: string,
  options: RevokeSessionOptions = {},
): Promise<void> {
  checkTarget("revokeSession", namespace, "sessionId", sessionId, options, REVOKE_OPTIONS);
  if (options.ttl !== undefined) checkTtl(options.ttl, "ttl");
  await new DurableObjectStore(namespace).end(sessionId, options.ttl ?? revocationBoundOf(namespace) ?? UNBOUNDED_TTL);
}

/**
 * Ends every session of the user ("log out everywhere", after a password change, by an admin), except
 * those in `except` ("log out my other devices"). Returns the number of listed sessions ended. Once it
 * returns, every session of the user is revoked or was linked after it started: a login racing it is
 * undone (its `linkSession` returns false). A session linked to another user since (an account switch)
 * is left alone, as `listSessions` leaves it out.
 *
 * One write ends them: the user's object bumps its revocation generation, and a cookie session (cookie mode
 * with revocation checks) learns it at its next check (within `recheckAfter`), from the user's object alone;
 * its own object is not called. Only sessions whose objects must be revoked too (server-side sessions, and
 * cookie sessions not checked since their login) cost a call each. A failure of one of those throws
 * `SessionStoreError` and leaves it listed, so a retry finishes the job.
 */
export async function revokeAllSessions(
  namespace: SessionObjectNamespace,
  userId: string,
  options: RevokeAllOptions = {},
): Promise<number> {
  checkTarget("revokeAllSessions", namespace, "userId", userId, options, REVOKE_ALL_OPTIONS);
  const except = typeof options.except === "string" ? [options.except] : (options.except ?? []);
  if (!Array.isArray(except) || except.some((id) => typeof id !== "string"))
    throw new SessionConfigError("except must be a session id or a list of them");
  return storeCall("delete", async () => {
    const { ended, dropped, revoke } = await user(namespace, userId).revokeAll(except);
    dropped.forEach(forget);
    const results = revoke.length ? await revokeIndexed(namespace, userId, revoke) : [];
    return ended + results.filter((result) => result?.revoked && result.live && result.link?.userId === userId).length;
  });
}

function user(namespace: SessionObjectNamespace, userId: string): ObjectApi {
  return objectNamed(namespace, USER_PREFIX + userId, CALL_TIMEOUT_MS);
}

function sessionObject(namespace: SessionObjectNamespace, sessionId: string): ObjectApi {
  return objectNamed(namespace, SESSION_PREFIX + sessionId, CALL_TIMEOUT_MS);
}

/** What linking reads from the session, checked: a session that is not loaded throws `SessionNotLoadedError`. */
function linkable(session: LinkableSession): { id: string; created: number; lastUsed: number; left: number | undefined } {
  if (typeof session !== "object" || session === null || typeof session.secondsLeft !== "function") {
    throw new SessionConfigError("linkSession needs the loaded session (`await c.var.session.load()`)");
  }
  const { id, meta } = session;
  checkId(id, "session id");
  const left = session.secondsLeft();
  if (!isTime(meta?.created) || !isTime(meta.lastUsed) || (left !== undefined && !(Number.isSafeInteger(left) && left >= 0))) {
    throw new SessionConfigError("linkSession needs a session with created/lastUsed in ms and secondsLeft() in seconds");
  }
  return { id, created: meta.created, lastUsed: meta.lastUsed, left };
}

function checkId(id: unknown, name: string): asserts id is string {
  if (typeof id !== "string" || id.length === 0 || id.length > MAX_ID_LENGTH) {
    throw new SessionConfigError(`${name} must be a non-empty string of at most ${MAX_ID_LENGTH} characters`);
  }
}

async function inBatches<T, R>(items: readonly T[], call: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += FAN_OUT) results.push(...(await Promise.all(items.slice(i, i + FAN_OUT).map(call))));
  return results;
}
