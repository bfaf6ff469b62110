import { hasKeys, newSessionId, type Envelope, type SessionData, type SessionLimits } from "./envelope.js";
import type { ExpiredReason } from "./expiry.js";
import { lifetimeOf, touchOf } from "./limits.js";
import type { Policy } from "./policy.js";
import type { Opened } from "./mode.js";
import type { RawEvent } from "./events.js";
import type { InvalidReason } from "./token.js";

/*
 * A request's session state, apart from the Session class that hands it to the app: what the cookie opened
 * to, what the handler changed, and what the response must seal (read by the engine after the handler).
 */

/** What the engine found for this request, before the handler's changes. */
export interface Found {
  opened: Opened | undefined;
  expired?: ExpiredReason | undefined;
  invalid?: InvalidReason | undefined;
  /** The data was sealed at an earlier version and migrated (`migrate`): it must be sealed again. */
  migrated?: boolean | undefined;
}

/** @internal Mutable per-request state; the engine reads it to decide what to write back. */
export interface SessionState {
  data: SessionData;
  meta: {
    id: string;
    created: number;
    lastUsed: number;
    lifetime: number;
    authenticatedAt?: number | undefined;
    limits?: Readonly<SessionLimits> | undefined;
    version?: number | undefined;
  };
  flashIn: Record<string, unknown> | undefined;
  flashOut: Record<string, unknown> | undefined;
  isNew: boolean;
  expired: ExpiredReason | undefined;
  invalid: InvalidReason | undefined;
  /** What the cookie opened to, for clean-up of stored copies. */
  previous: Opened | undefined;
  rotated: boolean;
  /** Data or flash changed: the session must be sealed again. */
  changed: boolean;
  /** Data keys this request set or deleted: what a versioned store re-applies onto a newer version. */
  changedKeys: Set<string>;
  /** clear() was called: every key is this request's. */
  cleared: boolean;
  /** The id changed (regenerate/destroy): stored copies under the old id must go. */
  replaced: boolean;
  /** authenticate() was called (and the session not destroyed since). */
  authenticated: boolean;
  rolls: boolean;
}

/**
 * Whether the response must seal the session again, and with which lastUsed (whole seconds, as sealed, so
 * deadlines reported to the app are never later than the server's).
 */
export function resealOf(state: SessionState, now: number, touchAfterMs: number): { due: boolean; lastUsed: number } {
  const touchDue = state.rolls && now - state.meta.lastUsed >= (state.meta.limits ? touchOf(state.meta, touchAfterMs) : touchAfterMs);
  const due = touchDue || state.changed || state.isNew || state.rotated || state.replaced || dropsFlash(state);
  // max(): a location whose clock runs behind the one that created the session must not seal lastUsed < created.
  const lastUsed = due && (state.rolls || state.isNew) ? Math.max(toSeconds(now), state.meta.created) : state.meta.lastUsed;
  return { due, lastUsed };
}

/**
 * The flash values the response seals: those set during this request. Values the previous request left and
 * nobody took live for one request that rolls the session; a request that does not roll (a polling
 * endpoint, `skipRoll()`) passes them on, so a background poll never eats a message meant for the next page.
 */
export function flashAfter(state: SessionState): Record<string, unknown> | undefined {
  if (state.rolls || !state.flashIn || !hasKeys(state.flashIn)) return state.flashOut;
  return { ...state.flashIn, ...state.flashOut };
}

/** A rolling request that leaves the previous request's flash values drops them (see {@link flashAfter}). */
function dropsFlash(state: SessionState): boolean {
  return state.rolls && !!state.flashIn && hasKeys(state.flashIn);
}

/** ms since epoch, down to the whole second (what a sealed session keeps). */
export function toSeconds(ms: number): number {
  return ms - (ms % 1000);
}

/** The lastUsed the response will seal (see {@link resealOf}). */
export function lastUsedAfter(state: SessionState, now: number, touchAfterMs: number): number {
  return resealOf(state, now, touchAfterMs).lastUsed;
}

/** A new, empty session's state (no cookie, a refused one, or after destroy()). */
export function fresh(now: number, lifetime: number): Omit<SessionState, "expired" | "invalid" | "previous" | "rolls"> {
  return {
    data: {},
    meta: { id: newSessionId(), created: toSeconds(now), lastUsed: toSeconds(now), lifetime },
    flashIn: undefined,
    flashOut: undefined,
    isNew: true,
    rotated: false,
    changed: false,
    changedKeys: new Set(),
    cleared: false,
    replaced: false,
    authenticated: false,
  };
}

/** The state a request starts from: what the cookie opened to, or a fresh session when it was refused. */
export function stateOf(found: Found, now: number, policy: Policy, rolls: boolean): SessionState {
  const { opened, expired, invalid } = found;
  const { lifetime } = policy.bounds;
  // A cookie can open and still be refused (timestamps from the future): then its data must not be used.
  if (!opened?.ok || expired || invalid) {
    return { ...fresh(now, lifetime), expired, invalid, previous: opened, rolls };
  }
  const envelope: Envelope = opened.envelope;
  const flashIn = envelope.flash && hasKeys(envelope.flash) ? envelope.flash : undefined;
  // Migrated data is this request's as a whole (a versioned store must not rebase old keys onto it).
  const migrated = found.migrated === true;
  return {
    data: envelope.data,
    meta: { ...envelope.meta, lifetime: envelope.meta.limits ? lifetimeOf(envelope.meta, policy.bounds) : lifetime },
    flashIn,
    flashOut: undefined,
    isNew: false,
    expired: undefined,
    invalid: undefined,
    previous: opened,
    rotated: opened.rotated,
    changed: migrated,
    changedKeys: new Set(),
    cleared: migrated,
    replaced: false,
    authenticated: false,
    rolls,
  };
}

/** Where a session comes from: the engine's request, asked once, on the session's first use. */
export interface SessionSource {
  /** The session's first use (a read or a write), before `open()`: called once, synchronously. */
  used(): void;
  open(): Promise<Found>;
  /** The CSRF secret of a session id under each key of the ring, current first. */
  csrfSecrets(id: string): Promise<Uint8Array[]>;
  /** The same, at once when this isolate has them already; undefined otherwise. */
  knownCsrfSecrets(id: string): Uint8Array[] | undefined;
  /** Sends an event to the engine's `onEvent` (nothing without one): for modules built on the session, such as DBSC. */
  emit(event: RawEvent): void;
}

/** What a module built on the session (DBSC) reaches of its request: the request's time and the event sender. */
export interface SessionHooks {
  /** The request's time (the engine's clock), ms since epoch. */
  now: number;
  emit(event: RawEvent): void;
}
