import type { Keyring } from "../crypto/keyring.js";
import { seal, unseal } from "../crypto/seal.js";
import { decodeEnvelope, encodeEnvelope, type Envelope } from "../core/envelope.js";
import { SessionTooLargeError } from "../core/errors.js";
import type { Rebased } from "./rebase.js";
import type { InvalidReason } from "../core/token.js";

/** What a mode found behind a cookie. `stored` is the mode's own handle (e.g. a KV key) for later clean-up. */
export type Opened =
  | { ok: true; envelope: Envelope; rotated: boolean; stored?: string | undefined }
  | { ok: false; reason: InvalidReason };

export interface SaveContext {
  /** The cookie name, which counts towards the 4096-byte limit. */
  cookieName: string;
  /** Longest value the session's cookie (or its chunks, `cookie.chunks`) can carry: 4096 less the name, or more. */
  maxLength: number;
  /** What `open` returned for this request's cookie, if it opened. */
  previous: Opened | undefined;
  /** Seconds the stored copy must live (remaining session lifetime), for stores with a TTL. */
  ttl: number;
  /** The request's time, ms since epoch (for stored metadata). */
  now: number;
  /** The cookie value that came with the request: a mode returns it unchanged when the cookie need not change. */
  incoming: string | undefined;
  /**
   * Versioned stores: re-applies this request's changes onto the version `latest` that another request
   * committed since this one read `base` (see `rebase()`), returning what to write instead.
   */
  rebase: (base: Envelope, latest: Envelope) => Rebased;
}

/**
 * Where a session lives: entirely in the cookie, in the cookie with overflow to a store, or in a store behind
 * a sealed id. The middleware owns expiry, rolling and cookie headers; a mode only moves envelopes.
 */
export interface SessionMode {
  /**
   * Opens a cookie value (chunks reassembled), refusing one longer than `maxLength` before any crypto (see
   * `SaveContext.maxLength`). Store failures throw `SessionStoreError`: never a silently fresh session.
   */
  open(cookie: string, maxLength: number): Promise<Opened>;
  /**
   * Persists the envelope and returns the new cookie value. Throws `SessionTooLargeError`/`SessionStoreError`,
   * leaving the previous copy intact. When the same session (same id) moved, the copy it left is the mode's
   * to delete; copies of a replaced session (other id) are the middleware's, through `discard`.
   * `null`: the session ended while this request held it, and nothing was written: a versioned store found it
   * revoked or expired, or server-side mode found its stored copy gone (destroyed by another request, deleted
   * by an admin) or no longer this session's. The session is not brought back.
   */
  save(envelope: Envelope, context: SaveContext): Promise<string | null>;
  /** Deletes whatever a store holds for a session that ended (destroy, regenerate). Failures throw. */
  discard(previous: Opened | undefined): Promise<void>;
  /** Called once after the response is decided, also when the handler failed (e.g. releases a session lock). */
  close?(): Promise<void>;
}

/** Mode 1: everything sealed into the cookie (or its chunks). */
export function cookieMode(keys: Keyring): SessionMode {
  return {
    async open(cookie, maxLength) {
      const opened = await unseal(cookie, keys, maxLength);
      if (!opened.ok) return opened;
      const envelope = decodeEnvelope(opened.plaintext);
      return envelope ? { ok: true, envelope, rotated: opened.rotated } : { ok: false, reason: "not-a-session" };
    },
    async save(envelope, { cookieName, maxLength }) {
      const value = await seal(encodeEnvelope(envelope), keys);
      // Name + value against 4096 bytes, or against what all the chunks hold.
      if (value.length > maxLength) throw new SessionTooLargeError(cookieName.length + value.length, cookieName.length + maxLength);
      return value;
    },
    async discard() {},
  };
}
