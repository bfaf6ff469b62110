/**
 * Every error edge-session throws extends `SessionError` and carries a stable `code`.
 * Messages never contain a secret, a key or session data.
 */
export type SessionErrorCode =
  | "CONFIG"
  | "TOO_LARGE"
  | "STORE_UNAVAILABLE"
  | "CONFLICT"
  | "LOCK_TIMEOUT"
  | "NOT_LOADED"
  | "CLOSED";

const STATUS_TEXT: Record<number, string> = { 409: "Conflict", 503: "Service Unavailable" };

export class SessionError extends Error {
  readonly code: SessionErrorCode;
  /** HTTP status of the default response (see {@link SessionError.getResponse}). */
  readonly status: number = 500;
  constructor(code: SessionErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }

  /**
   * The response Hono's default error handler sends when the app does not catch this error (Hono calls
   * `getResponse()` on errors that have it). It carries no session data and is never cached.
   */
  getResponse(): Response {
    const headers: Record<string, string> = { "Content-Type": "text/plain; charset=UTF-8", "Cache-Control": "no-store" };
    if (this.status === 503) headers["Retry-After"] = "1";
    return new Response(STATUS_TEXT[this.status] ?? "Internal Server Error", { status: this.status, headers });
  }
}

/** Thrown at start-up (or on the first request) for weak secrets or contradictory options. */
export class SessionConfigError extends SessionError {
  constructor(message: string) {
    super("CONFIG", message);
  }
}

/**
 * The sealed session does not fit in a cookie and no overflow store is configured, or a value, key or
 * metadata exceeds a store's limit (e.g. KV's 25 MiB values).
 */
export class SessionTooLargeError extends SessionError {
  /** Bytes the cookie (name + value), or the store value/key/metadata, would have taken. */
  readonly size: number;
  /** The limit it exceeded. */
  readonly limit: number;
  constructor(size: number, limit: number, what = "sealed session cookie") {
    super("TOO_LARGE", `${what} would be ${size} bytes, over the ${limit}-byte limit`);
    this.size = size;
    this.limit = limit;
  }
}

/** A session store (KV, Durable Object, custom) failed or timed out. The session was not changed. */
export class SessionStoreError extends SessionError {
  /** Which store operation failed. */
  readonly operation: "get" | "set" | "delete" | "list";
  override readonly status = 503;
  constructor(operation: "get" | "set" | "delete" | "list", options?: { cause?: unknown }) {
    super("STORE_UNAVAILABLE", `session store ${operation} failed`, options);
    this.operation = operation;
  }
}

/** A versioned write lost a race and the app asked to be told instead of merging. */
export class SessionConflictError extends SessionError {
  override readonly status = 409;
  constructor(message = "session was changed by a concurrent request") {
    super("CONFLICT", message);
  }
}

/** Exclusive mode could not take the session lock in time. */
export class SessionLockTimeoutError extends SessionError {
  override readonly status = 503;
  constructor(waitedMs: number) {
    super("LOCK_TIMEOUT", `session lock not acquired within ${waitedMs} ms`);
  }
}

/** A session property that needs the decrypted session was read before `await session.load()`. */
export class SessionNotLoadedError extends SessionError {
  constructor(property: string) {
    super("NOT_LOADED", `session.${property} needs the session loaded: call \`await session.load()\` first`);
  }
}

/**
 * A session was changed after its response had left the middleware (e.g. inside a `stream()` callback): the
 * change could no longer reach the cookie or the store, so it is refused instead of being silently lost.
 */
export class SessionClosedError extends SessionError {
  constructor(operation: string) {
    super("CLOSED", `session.${operation}() after the response was sent: change the session before the handler returns its response (a streamed body cannot carry a Set-Cookie)`);
  }
}
