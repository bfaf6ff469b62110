import type { ExpiredReason } from "./expiry.js";
import type { InvalidReason } from "./token.js";
import type { Keyring } from "../crypto/keyring.js";

/**
 * A session lifecycle event, for audit logs. It never carries the session id, its data or a cookie: `session`
 * is a keyed hash of the id (`Keyring.tag`: HMAC-SHA-256 under a key derived from the current secret, 16
 * bytes base64url), so events of one session correlate while a leaked log opens nothing. `at` is the
 * request's time in ms since epoch.
 */
export type SessionEvent =
  /** A new session was written for the first time (its cookie is being set). */
  | { type: "created"; session: string; at: number }
  /** `regenerate()`: the session moved to a new id; `previous` tags the old one. */
  | { type: "regenerated"; session: string; previous: string; at: number }
  /** `authenticate()`: the user proved who they are (login or step-up); `session` tags the id the response seals. */
  | { type: "authenticated"; session: string; at: number }
  /** A cookie was refused for its age. */
  | { type: "expired"; session: string; reason: ExpiredReason; at: number }
  /**
   * A cookie was refused (tampered, malformed, unknown key...). `session` only when it opened (e.g. timestamps
   * from the future); a cookie that did not open names no session.
   */
  | {
      type: "invalid";
      session?: string | undefined;
      reason: Exclude<InvalidReason, "revoked">;
      /** With reason `"schema"`: the failing paths (dotted keys, `""` for the data as a whole), never values. */
      paths?: string[] | undefined;
      /** With reason `"schema"`: the version the session was sealed with, newer than the code's (a rollback). */
      version?: number | undefined;
      at: number;
    }
  /** `destroy()`, or the app emptied the session: it ended and its stored copies were deleted. */
  | { type: "destroyed"; session: string; at: number }
  /** A cookie of a session that was destroyed or revoked (Durable Object store, revocation checks) was refused. */
  | { type: "revoked"; at: number }
  /** A session sealed with a previous secret was sealed again with the current one. */
  | { type: "rotated-key"; session: string; at: number }
  /** A store failed or timed out (`SessionStoreError`); the request fails with 503. */
  | { type: "store-failure"; operation: "get" | "set" | "delete" | "list"; at: number }
  /**
   * The session just written passed `sizeWarning` (a share, default 0.75) of its budget: `bytes` written
   * against `limit` (the cookies' capacity, or the store's value limit). `largest` names its largest
   * top-level keys (at most 3, largest first; names only, never values). Sent once per session and isolate
   * when it crosses, again only after it fell below.
   */
  | { type: "size"; session: string; share: number; bytes: number; limit: number; largest: string[]; at: number }
  /** DBSC (`edge-session/dbsc`): the browser bound the session to a key of this algorithm (registration). */
  | { type: "bound"; session: string; alg: string; at: number }
  /** DBSC: a proof of possession of the session's key was accepted and a fresh bound cookie issued. */
  | { type: "bound-refreshed"; session: string; at: number }
  /** DBSC: a registration, refresh or request of a bound session was refused; `reason` says why. */
  | { type: "bound-refused"; session?: string | undefined; reason: string; at: number };

/** Every `type` of {@link SessionEvent}. */
export type SessionEventType = SessionEvent["type"];

/** Receives events; may return a promise (kept alive with `waitUntil`, never awaited by the response). */
export type SessionEventHandler<C = unknown> = (event: SessionEvent, context: C) => void | Promise<void>;

/** Keeps work alive after the response (Workers' `ctx.waitUntil`). */
export type WaitUntil = (promise: Promise<unknown>) => void;

/** An event before its ids are hashed: what the engine knows. */
export type RawEvent =
  | { type: "created" | "authenticated" | "destroyed" | "rotated-key"; id: string }
  | { type: "regenerated"; id: string; previous: string }
  | { type: "expired"; id: string; reason: ExpiredReason }
  | { type: "invalid"; id?: string | undefined; reason: InvalidReason; paths?: string[] | undefined; version?: number | undefined }
  | { type: "store-failure"; operation: "get" | "set" | "delete" | "list" }
  | { type: "size"; id: string; share: number; bytes: number; limit: number; largest: string[] }
  | { type: "bound"; id: string; alg: string }
  | { type: "bound-refused"; id?: string | undefined; reason: string }
  | { type: "bound-refreshed"; id: string };

/**
 * The event sender of one request. Each event goes to the app's handler without delaying the response:
 * hashing and the handler run in a promise given to `waitUntil` (or left to finish on its own), one after the
 * other so the handler sees a request's events in order. Whatever the handler throws or rejects is dropped
 * after one console line (naming the event type only): an audit sink that fails must not fail the request.
 */
export function eventSender<C>(
  handler: SessionEventHandler<C>,
  at: number,
  keys: () => Promise<Keyring>,
  context: C,
  waitUntil: WaitUntil | undefined,
): (raw: RawEvent) => void {
  let previous: Promise<unknown> = Promise.resolve();
  return (raw) => {
    const delivery = previous
      .then(async () => handler(await eventOf(raw, at, await keys()), context))
      .catch((error: unknown) => {
        console.error(`edge-session: onEvent failed for a "${raw.type}" event: ${error instanceof Error ? error.name : typeof error}`);
      });
    previous = delivery;
    try {
      waitUntil?.(delivery);
    } catch {
      // A waitUntil that throws (called outside a request) leaves the promise to finish on its own.
    }
  };
}

async function eventOf(raw: RawEvent, at: number, keys: Keyring): Promise<SessionEvent> {
  switch (raw.type) {
    case "regenerated":
      return { type: raw.type, session: await keys.tag(raw.id), previous: await keys.tag(raw.previous), at };
    case "expired":
      return { type: raw.type, session: await keys.tag(raw.id), reason: raw.reason, at };
    case "invalid":
      if (raw.reason === "revoked") return { type: "revoked", at };
      {
        const { id, ...invalid } = raw;
        return { ...invalid, ...(id === undefined ? {} : { session: await keys.tag(id) }), reason: raw.reason, at };
      }
    case "store-failure":
      return { type: raw.type, operation: raw.operation, at };
    case "bound":
      return { type: raw.type, session: await keys.tag(raw.id), alg: raw.alg, at };
    case "bound-refused":
      return { type: raw.type, ...(raw.id === undefined ? {} : { session: await keys.tag(raw.id) }), reason: raw.reason, at };
    case "size": {
      const { id, ...size } = raw;
      return { ...size, session: await keys.tag(id), at };
    }
    default:
      return { type: raw.type, session: await keys.tag(raw.id), at };
  }
}
