import { SessionConfigError } from "../core/errors.js";
import { checkKeys, type KnownKeys } from "../core/known-keys.js";
import { CLOCK_SKEW_MS, deadlineOf, idleLimit } from "../core/expiry.js";
import type { SessionMode } from "../core/mode.js";
import type { ModeFactory, Policy } from "../core/policy.js";
import type { Envelope, SessionMeta } from "../core/envelope.js";
import { limitsOf } from "../core/limits.js";
import { traitsOf, type DeviceTraits } from "../stores/device-traits.js";
import { USER_PREFIX, type CheckResult, type SessionUse, type UserCheck } from "./protocol.js";
import { MAX_TTL } from "../stores/versioned.js";
import { registerRevocationBound } from "./revocation-bound.js";
import { checkedUntil, forget, remember, revokedHere, takeLink, type Owner } from "./revocation-cache.js";
import { DurableObjectStore, type SessionObjectNamespace } from "./store.js";
import { objectNamed } from "./stub.js";

/**
 * Cookie mode with revocation checks: a request that reads the session asks whether it was destroyed or
 * revoked (one round trip) when the cookie's last confirmation is `recheckAfter` old, so a cookie copied
 * before logout is refused afterwards, in every location. A session linked to a user (`linkSession`) asks its
 * user's Durable Object, whose one write ends every session of the user (`revokeAllSessions`); any other asks
 * its own. Works with `overflow:` too: the check is on the session id, wherever the data lives.
 */
export interface RevocationOptions<C = unknown> {
  /** The `SessionObject` namespace binding, or a function of the context (`(c) => c.env.SESSION_OBJECTS`). */
  namespace: SessionObjectNamespace | ((context: C) => SessionObjectNamespace);
  /**
   * Seconds this isolate reuses a "not revoked" answer for a session id. Default 0: every request asks.
   * At most `touchAfter`; a revoked cookie may then be accepted by isolates that checked it within the
   * last `cacheFor` seconds (revocations made in the same isolate apply at once).
   */
  cacheFor?: number | undefined;
  /**
   * Seconds a cookie may go without asking the object again: the cookie itself carries (sealed) when its
   * session was last confirmed not revoked, and is checked again once that is `recheckAfter` old; at most
   * `touchAfter`. Default 0: every request asks, so a revocation is final everywhere at once (what 0.1
   * promised: an upgrade must not open a window silently). With e.g. 30, a revoked session's copied cookie is
   * accepted for at most 30 s after the revocation by isolates other than the one that revoked it (there it
   * is refused at once), and an active user costs about one object call per 30 s instead of one per request.
   */
  recheckAfter?: number | undefined;
}

const REVOCATION_OPTIONS: KnownKeys<RevocationOptions> = { namespace: true, cacheFor: true, recheckAfter: true };

/**
 * What the revocation mode reads of the engine's policy: its clock, `touchAfter`, and the bounds, since a
 * revocation record must outlive any session's cookie (bounded by the most a session may set for itself).
 */
type RevocationPolicy = Pick<Policy, "bounds" | "touchAfterMs" | "now">;

/**
 * Validates the option at start-up and returns the mode factory the engine uses per request: `inner`
 * (cookie only, or cookie with overflow) with the revocation check around it.
 */
export function revocationModeOf<C>(
  options: RevocationOptions<C>,
  policy: RevocationPolicy,
  timeoutMs: number,
  inner: ModeFactory<C>,
): ModeFactory<C> {
  checkKeys(options, REVOCATION_OPTIONS, "revocation");
  const { namespace } = options;
  const cacheFor = options.cacheFor ?? 0;
  if (!Number.isSafeInteger(cacheFor) || cacheFor < 0)
    throw new SessionConfigError("revocation.cacheFor must be a whole number of seconds, at least 0");
  if (cacheFor * 1000 > policy.touchAfterMs) throw new SessionConfigError("revocation.cacheFor must not exceed touchAfter");
  // Never past touchAfter: the reseal that carries a fresh confirmation comes that often, no more.
  const recheckAfter = options.recheckAfter ?? 0;
  if (!Number.isSafeInteger(recheckAfter) || recheckAfter < 0)
    throw new SessionConfigError("revocation.recheckAfter must be a whole number of seconds, at least 0");
  if (recheckAfter * 1000 > policy.touchAfterMs) throw new SessionConfigError("revocation.recheckAfter must not exceed touchAfter");
  const limits = policy.bounds.max;
  const idle = idleLimit(limits, limits);
  if (!idle && !limits.absoluteTimeout) {
    // A revocation record must outlive every copy of the cookie; without a limit a copy is valid forever.
    throw new SessionConfigError(
      "revocation needs idleTimeout, absoluteTimeout or lifetime: they bound how long a revoked cookie must be remembered",
    );
  }
  // How long after its last check a cookie may be resealed without a new one: its confirmation is trusted
  // for recheckAfter, the isolate's memory of a check for cacheFor.
  const recheckWindow = Math.max(cacheFor, recheckAfter);
  // The longest a copy can be accepted after its session was revoked: a copy checked just before the
  // revocation may still be resealed (its idle deadline moved) for that window; once refused it never is
  // again. What revokeSession remembers by default for these namespaces.
  const bound = Math.min(
    MAX_TTL,
    Math.min(idle ? idle + recheckWindow : Infinity, limits.absoluteTimeout || Infinity) + Math.ceil(CLOCK_SKEW_MS / 1000),
  );
  const stores = new WeakMap<SessionObjectNamespace, DurableObjectStore>();
  const storeOf = (ns: SessionObjectNamespace) => {
    let store = stores.get(ns);
    if (!store) {
      stores.set(ns, (store = new DurableObjectStore(ns, { timeoutMs })));
      registerRevocationBound(ns, bound, recheckWindow);
    }
    return store;
  };
  if (typeof namespace !== "function") storeOf(namespace); // a missing binding fails at start-up
  return (keys, c) =>
    revocableMode(inner(keys, c), storeOf(typeof namespace === "function" ? namespace(c) : namespace), policy, {
      recheckMs: recheckAfter * 1000,
      windowMs: recheckWindow * 1000,
    });
}

function revocableMode(
  inner: SessionMode,
  store: DurableObjectStore,
  policy: RevocationPolicy,
  windows: { recheckMs: number; windowMs: number },
): SessionMode {
  const { recheckMs, windowMs } = windows;
  /**
   * The session this request knows to be live, since when, and its owner as last confirmed (undefined: not
   * linked): what the reseal seals as `checked` and `owner`.
   */
  let confirmed: { id: string; at: number; owner: Owner | undefined } | undefined;
  /** The session a regenerate of this request ended (see handOver): discard() has nothing left to revoke. */
  let handedOver: string | undefined;
  return {
    async open(cookie, maxLength) {
      const opened = await inner.open(cookie, maxLength);
      if (!opened.ok) return opened;
      const { meta } = opened.envelope;
      const { id, checked, owner } = meta;
      const now = policy.now();
      if (!revokedHere(id)) {
        // A confirmation from the future (clock skew; a forged time cannot be sealed) is no confirmation.
        const sealed = checked !== undefined && checked <= now ? checked : undefined;
        const cached = checkedUntil(id) > now ? checkedUntil(id) - windowMs : undefined;
        if (cached !== undefined || (sealed !== undefined && now - sealed < recheckMs)) {
          // No call, whether this request reseals the cookie or not: the last check kept the user's index
          // entry (device list, link) alive past any idle deadline a reseal can set before the next check.
          const at = Math.max(sealed ?? -1, cached === undefined ? -1 : cached - (cached % 1000));
          confirmed = { id, at, owner };
          return opened;
        }
      }
      // Revoked here: the session's own object is asked too (its user's index may not know yet, if the
      // revocation's index step failed).
      const used = use(meta, now, windowMs, policy);
      const report = { ...used, traits: traitsAt(opened.envelope, used.lastUsed, policy) };
      const verdict = await verify(store, id, owner, report, revokedHere(id)); // fails closed: SessionStoreError
      if (verdict.revoked) return { ok: false, reason: "revoked" };
      confirmed = { id, at: now - (now % 1000), owner: verdict.owner };
      // The isolate reuses the answer for cacheFor, and for recheckAfter: a cookie whose confirmation can
      // only be resealed at the next touchAfter is not checked on each request meanwhile.
      if (windowMs > 0) remember(id, now + windowMs);
      return opened;
    },
    async save(envelope, context) {
      const { id } = envelope.meta;
      if (context.replaces && context.previous?.ok) {
        // A new id sealed as confirmed must not carry a session revoked meanwhile: the one it replaces ends here.
        const { meta } = context.previous.envelope;
        const owner = confirmed?.id === meta.id ? confirmed.owner : meta.owner;
        if (!(await handOver(store, meta, owner, policy, windowMs))) return null;
        handedOver = meta.id;
      }
      // Only a confirmation of this very id is sealed (regenerate() keeps the rest of meta, not its checks).
      // An id minted by this request (new session, regenerate) is confirmed now: nobody could revoke it
      // before, and a revocation racing its login (linkSession) is made in this isolate, which checks at once.
      const opened = context.previous?.ok ? context.previous.envelope : undefined;
      const checked = confirmed?.id === id ? confirmed.at : opened?.meta.id !== id ? context.now - (context.now % 1000) : undefined;
      // The owner: as linked by this request, else as this request confirmed it, else as the cookie carried it.
      const owner = takeLink(id) ?? (confirmed?.id === id ? confirmed.owner : opened?.meta.id === id ? opened.meta.owner : undefined);
      return inner.save({ ...envelope, meta: { ...envelope.meta, checked, owner } }, context);
    },
    async discard(previous) {
      if (!previous?.ok) return;
      const { meta } = previous.envelope;
      // Revoked first: the overflow copy (if any) is unreachable from then on, whether its delete succeeds or not.
      if (meta.id !== handedOver) await store.end(meta.id, validFor(meta, policy, windowMs));
      await inner.discard(previous);
    },
  };
}

/**
 * Ends the session `meta` names as a regenerate moves it to a new id, answering whether it was still live:
 * its own object revokes it and says whether it had been revoked before, in one step; then its user's
 * object (from the cookie's owner, or the link the object held) says whether a revokeAllSessions ended it.
 * Revoked first, asked second: a revocation landing between the two is seen by the second, so none can slip
 * between the check and the new cookie. Its entry then leaves the user's device list.
 */
async function handOver(
  store: DurableObjectStore,
  meta: SessionMeta,
  owner: Owner | undefined,
  policy: RevocationPolicy,
  windowMs: number,
): Promise<boolean> {
  const now = policy.now();
  const ended = await store.revoke(meta.id, validFor(meta, policy, windowMs));
  forget(meta.id);
  const link = ended.live ? ended.link : undefined;
  const used = use(meta, now, windowMs, policy);
  const asked = async (userId: string, generation?: number) => (await userCheck(store, userId, meta.id, generation, used)).state;
  let live = !ended.already;
  // As verify() decides, but with the object's answer already in hand.
  if (live && owner) {
    const user = await asked(owner.userId, owner.generation);
    // "unknown": not indexed, no revokeAllSessions since the cookie's generation: the object's link decides.
    if (user !== "unknown") live = user === "live";
    else if (link) live = link.userId !== owner.userId && (await asked(link.userId)) === "live";
  } else if (live && link) live = (await asked(link.userId)) === "live";
  if (ended.link) await store.unindex(meta.id, ended.link);
  return live;
}

/** What a revocation check found: refused, or live with its owner (undefined: not linked to a user). */
type Verdict = { revoked: true } | { revoked: false; owner: Owner | undefined };

/**
 * The revocation check. A cookie that names its owner asks the user's object (one call; its generation
 * carries revokeAllSessions); only in the isolate that revoked it (`both`) also the session's object, in
 * parallel. A cookie without an owner, or one its user no longer indexes, asks the session's object; a session
 * linked to a user is then confirmed by that user's object, whose answer the reseal carries. Every user check
 * that finds the session live records `use` in its index entry: the device list's lastUsed, and how long the
 * link lives.
 */
async function verify(store: DurableObjectStore, id: string, owner: Owner | undefined, use: SessionUse, both: boolean): Promise<Verdict> {
  let session: CheckResult | undefined;
  if (owner) {
    const [user, own] = await Promise.all([userCheck(store, owner.userId, id, owner.generation, use), both ? store.check(id) : undefined]);
    if (user.state === "revoked" || own?.revoked) return { revoked: true };
    if (user.state === "live") return { revoked: false, owner: { userId: owner.userId, generation: user.generation } };
    session = own;
  }
  session ??= await store.check(id);
  if (session.revoked) return { revoked: true };
  if (!session.linked || session.userId === undefined) return { revoked: false, owner: undefined };
  // Linked to the user whose index just said it does not hold the session: being ended there.
  if (session.userId === owner?.userId) return { revoked: true };
  const user = await userCheck(store, session.userId, id, undefined, use);
  if (user.state !== "live") return { revoked: true };
  return { revoked: false, owner: { userId: session.userId, generation: user.generation } };
}

function userCheck(
  store: DurableObjectStore,
  userId: string,
  id: string,
  generation: number | undefined,
  use: SessionUse,
): Promise<UserCheck> {
  return store.inTime("get", () => objectNamed(store.namespace, USER_PREFIX + userId).checkSession(id, generation, use));
}

/**
 * What a check at `now` tells the user's index: the session is used now, and can be accepted until the idle
 * deadline of a reseal made just before its next check is due (`windowMs` from now), or its absolute deadline.
 * A reseal between two checks (a roll, a write) then never needs a call of its own.
 */
function use(meta: SessionMeta, now: number, windowMs: number, policy: RevocationPolicy): SessionUse {
  const lastUsed = Math.max(now - (now % 1000), meta.created);
  return { lastUsed, until: Math.min(now + MAX_TTL * 1000, deadlineOf({ ...meta, lastUsed: now + windowMs }, policy.bounds.max)) };
}

/**
 * What a check tells the device list of the session: its lifetime, own limits and binding, and when the server
 * ends it unless it is used again after `lastUsed` (the limits it enforces on it, as `expiryOf` does).
 */
function traitsAt(envelope: Envelope, lastUsed: number, policy: RevocationPolicy): DeviceTraits {
  const { meta } = envelope;
  return traitsOf(envelope, deadlineOf({ ...meta, lastUsed }, limitsOf(meta, policy.bounds)));
}

/** Seconds a copy of this session's cookie can still be accepted: what its revocation record must outlive. */
function validFor(meta: SessionMeta, policy: RevocationPolicy, windowMs: number): number {
  const now = policy.now();
  // Another request may reseal the cookie right now, and a copy whose confirmation is still fresh elsewhere
  // until `windowMs` from now: idle time counts from then, not from meta.lastUsed.
  const deadline = deadlineOf({ ...meta, lastUsed: now + windowMs }, policy.bounds.max);
  return Math.min(MAX_TTL, Math.max(0, Math.ceil((deadline - now + CLOCK_SKEW_MS) / 1000)));
}
