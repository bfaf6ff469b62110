/**
 * The mode contract: what the engine asks of the place a session lives (the cookie, the cookie with overflow
 * to a store, a store behind a sealed id), and what a mode hands back. The engine calls it; modes/ implements it.
 */
import type { Envelope, SessionData } from "./envelope.js";
import type { Ended } from "./ended.js";
import type { Measure } from "./size-warning.js";
import type { InvalidReason } from "./token.js";

/**
 * What a mode found behind a cookie. `stored` is the mode's own handle (e.g. a KV key) for later clean-up.
 * `ended`: the cookie is an ended-session marker (refused as `"not-a-session"` by anything that does not look).
 */
export type Opened =
  | { ok: true; envelope: Envelope; rotated: boolean; stored?: string | undefined }
  | { ok: false; reason: InvalidReason; ended?: Ended | undefined };

export interface SaveContext {
  /** The cookie name, which counts towards the 4096-byte limit. */
  cookieName: string;
  /** Longest value written in the session's cookie (or its chunks, `cookie.chunks`): each line within `cookie.maxLineBytes`. */
  maxLength: number;
  /** What `open` returned for this request's cookie, if it opened. */
  previous: Opened | undefined;
  /**
   * The session moves to a new id and replaces the live one `previous` opened to (`regenerate()`, or
   * `destroy()` then new data): a mode that can tell whether that session ended meanwhile (logout elsewhere,
   * a revocation) writes nothing then and returns `null`, and ends it in the same step as the write where
   * the store allows. Two overlapping logins of one session thus leave one session, never two.
   */
  replaces: boolean;
  /** Seconds the stored copy must live (remaining session lifetime), for stores with a TTL. */
  ttl: number;
  /** The request's time, ms since epoch (for stored metadata). */
  now: number;
  /** The cookie value that came with the request: a mode returns it unchanged when the cookie need not change. */
  incoming: string | undefined;
  /**
   * What this request did to the session besides what the envelope holds (its data, flash, lastUsed and
   * step-up time): the data keys it set or deleted, whether it called `clear()` and `authenticate()`. A
   * versioned store re-applies the envelope's values of those onto the version another request committed
   * since this one read the session (see `rebase()` and `changesOf()`).
   */
  changedKeys: ReadonlySet<string>;
  cleared: boolean;
  authenticated: boolean;
  /** Told what was written against its limit (see `size-warning.ts`), when the app listens for `size` events. */
  measure?: Measure | undefined;
}

/**
 * Where a session lives: entirely in the cookie, in the cookie with overflow to a store, or in a store behind
 * a sealed id. The engine owns expiry, rolling and cookie headers; a mode only moves envelopes.
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
   * to delete; copies of a replaced session (other id) are the engine's, through `discard`.
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

/** What this request did to its session: the keys it set or deleted (or all of them, after clear()). */
export interface Changes {
  data: SessionData;
  flash: Record<string, unknown> | undefined;
  lastUsed: number;
  /** Set when this request called `authenticate()`: the step-up survives a rebase onto another request's write. */
  authenticatedAt?: number | undefined;
  changedKeys: ReadonlySet<string>;
  cleared: boolean;
  /** The data's version (`version` option, with a schema): what this request's keys are shaped for. */
  version?: number | undefined;
}
