/**
 * Every error edge-session throws extends `SessionError` and carries a stable, literal `code` (as jose's do):
 * narrow with `instanceof` or with `error.code`. Messages never contain a secret, a key or session data.
 */

const STATUS_TEXT: Record<number, string> = { 401: "Unauthorized", 403: "Forbidden", 409: "Conflict", 503: "Service Unavailable" };

export abstract class SessionError extends Error {
  /** Stable identifier of the error class, e.g. `"CONFIG"`. */
  abstract readonly code: SessionErrorCode;
  /** HTTP status of the default response (see {@link SessionError.getResponse}). */
  readonly status: number = 500;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }

  /**
   * The response Hono's default error handler sends when the app does not catch this error (Hono calls
   * `getResponse()` on errors that have it), and `withSession` sends. It carries no session data and is
   * never cached.
   */
  getResponse(): Response {
    const headers: Record<string, string> = { "Content-Type": "text/plain; charset=UTF-8", "Cache-Control": "no-store" };
    if (this.status === 503) headers["Retry-After"] = "1";
    return new Response(STATUS_TEXT[this.status] ?? "Internal Server Error", { status: this.status, headers });
  }
}

/**
 * Weak secrets, contradictory or injectable options, bad input to an API: thrown at start-up where possible,
 * per request for options read from the context (and then logged once per isolate).
 */
export class SessionConfigError extends SessionError {
  readonly code = "CONFIG";
}

/**
 * The sealed session does not fit in a cookie and no overflow store is configured, or a value, key or
 * metadata exceeds a store's limit (e.g. KV's 25 MiB values).
 */
export class SessionTooLargeError extends SessionError {
  readonly code = "TOO_LARGE";
  /** Bytes the cookie (name + value), or the store value/key/metadata, would have taken. */
  readonly size: number;
  /** The limit it exceeded. */
  readonly limit: number;
  constructor(size: number, limit: number, what = "sealed session cookie") {
    super(`${what} would be ${size} bytes, over the ${limit}-byte limit`);
    this.size = size;
    this.limit = limit;
  }
}

/** A session store (KV, Durable Object, custom) failed or timed out. The session was not changed. */
export class SessionStoreError extends SessionError {
  readonly code = "STORE_UNAVAILABLE";
  /** Which store operation failed. */
  readonly operation: "get" | "set" | "delete" | "list";
  override readonly status = 503;
  constructor(operation: "get" | "set" | "delete" | "list", options?: { cause?: unknown }) {
    super(`session store ${operation} failed`, options);
    this.operation = operation;
  }
}

/** A versioned write lost a race and the app asked to be told instead of merging. */
export class SessionConflictError extends SessionError {
  readonly code = "CONFLICT";
  override readonly status = 409;
  constructor(message = "session was changed by a concurrent request") {
    super(message);
  }
}

/** Exclusive mode could not take the session lock in time. */
export class SessionLockTimeoutError extends SessionError {
  readonly code = "LOCK_TIMEOUT";
  override readonly status = 503;
  constructor(waitedMs: number) {
    super(`session lock not acquired within ${waitedMs} ms`);
  }
}

/** A session property that needs the decrypted session was read before `await session.load()`. */
export class SessionNotLoadedError extends SessionError {
  readonly code = "NOT_LOADED";
  constructor(property: string) {
    super(`session.${property} needs the session loaded: call \`await session.load()\` first`);
  }
}

/**
 * A session was changed after the engine had committed its response (e.g. inside a `stream()` callback): the
 * change could no longer reach the cookie or the store, so it is refused instead of being silently lost.
 */
export class SessionClosedError extends SessionError {
  readonly code = "CLOSED";
  constructor(operation: string) {
    super(
      `session.${operation}() after the response was sent: change the session before the handler returns its response (a streamed body cannot carry a Set-Cookie)`,
    );
  }
}

/**
 * A sensitive action needs a recent `session.authenticate()` (step-up, "sudo mode") and the session has none
 * within `maxAge` seconds, or none at all: catch it and ask for the password again. Default response 401.
 */
export class SessionStepUpRequiredError extends SessionError {
  readonly code = "STEP_UP_REQUIRED";
  override readonly status = 401;
  /** The largest age of the authentication the action accepts, in seconds. */
  readonly maxAge: number;
  /** Seconds since the session last authenticated; undefined when it never did. */
  readonly authenticatedAgo: number | undefined;
  constructor(maxAge: number, authenticatedAgo: number | undefined) {
    super(
      authenticatedAgo === undefined
        ? `this action needs the user to authenticate (within ${maxAge} s); the session never did`
        : `this action needs the user to authenticate within ${maxAge} s; the session last did ${authenticatedAgo} s ago`,
    );
    this.maxAge = maxAge;
    this.authenticatedAgo = authenticatedAgo;
  }
}

/**
 * `linkSession(..., { maxSessions, policy: "refuse" })`: the user already has `maxSessions` sessions, so this
 * one was not linked. Default response 409; tell the user to log out elsewhere first.
 */
export class SessionDeviceLimitError extends SessionError {
  readonly code = "DEVICE_LIMIT";
  override readonly status = 409;
  /** The limit that was reached. */
  readonly maxSessions: number;
  constructor(maxSessions: number) {
    super(`the user already has ${maxSessions} sessions, the most allowed`);
    this.maxSessions = maxSessions;
  }
}

/**
 * Why `requireCsrfToken()` refused a request: no token sent, a token that is not this session's (wrong,
 * another session's, one from before `regenerate()`), or a request from another site's page.
 */
export type CsrfFailure = "missing" | "invalid" | "cross-site";

/**
 * `requireCsrfToken()` refused an unsafe request (POST, PUT, PATCH, DELETE): no valid CSRF token for this
 * session, or sent from another site. Default response 403, never cached; the token is never in the message.
 *
 * @example
 * ```ts
 * app.onError((err, c) => (err instanceof SessionCsrfError ? c.text("Reload the page and try again", 403) : c.text("error", 500)));
 * ```
 */
export class SessionCsrfError extends SessionError {
  readonly code = "CSRF";
  override readonly status = 403;
  /** Why the request was refused. */
  readonly reason: CsrfFailure;
  constructor(reason: CsrfFailure) {
    super(
      reason === "cross-site"
        ? "this request comes from another site's page"
        : `this request needs the session's CSRF token (${reason === "missing" ? "none was sent" : "the token sent is not this session's"})`,
    );
    this.reason = reason;
  }
}

/**
 * Why `requireSession()` found no signed-in user: never signed in (`"none"`, also a session without the
 * user), logged out for inactivity (`"idle"`) or age (`"absolute"`), the session ended on the server
 * (`"revoked"`: revoked, destroyed elsewhere, or its stored copy gone), or a cookie refused (`"invalid"`).
 */
export type SessionRequiredReason = "none" | "idle" | "absolute" | "revoked" | "invalid";

/**
 * `requireSession()` found no signed-in user and was told to throw (`onRefused: "throw"`). Default response
 * 401, never cached; `reason` lets the login page say why ("you were logged out after 15 minutes of inactivity").
 *
 * @example
 * ```ts
 * app.onError((err, c) => (err instanceof SessionRequiredError ? c.redirect(`/login?why=${err.reason}`) : c.text("error", 500)));
 * ```
 */
export class SessionRequiredError extends SessionError {
  readonly code = "SESSION_REQUIRED";
  override readonly status = 401;
  /** Why there is no signed-in user. */
  readonly reason: SessionRequiredReason;
  constructor(reason: SessionRequiredReason) {
    super(`this route needs a signed-in session (${reason})`);
    this.reason = reason;
  }
}

/**
 * `session.setLimits()` was asked for a limit past the engine's bound (`maxLifetime`, `maxIdleTimeout`,
 * `maxAbsoluteTimeout`; by default the engine's own value): a session may tighten its limits, never loosen
 * them further than the app allows. Default response 500 (a bug in the app, or a form value not checked).
 *
 * @example
 * ```ts
 * try {
 *   session.setLimits({ lifetime: 90 * 86400 });
 * } catch (error) {
 *   if (error instanceof SessionLimitError) session.setLimits({ lifetime: error.max });
 * }
 * ```
 */
export class SessionLimitError extends SessionError {
  readonly code = "LIMIT";
  /** The limit asked for: `"lifetime"`, `"idleTimeout"` or `"absoluteTimeout"`. */
  readonly limit: "lifetime" | "idleTimeout" | "absoluteTimeout";
  /** The most the engine allows for it, in seconds. */
  readonly max: number;
  constructor(limit: "lifetime" | "idleTimeout" | "absoluteTimeout", max: number) {
    super(`setLimits(): ${limit} must be at most ${max} seconds (the engine's max${limit[0]!.toUpperCase()}${limit.slice(1)})`);
    this.limit = limit;
    this.max = max;
  }
}

/**
 * Why a DBSC step was refused (`edge-session/dbsc`). A request: the route requires binding and the session
 * is not bound (`"unbound"`), or the session is bound and its short-lived bound cookie is absent
 * (`"missing"`), past its lifetime (`"expired"`) or not this binding's (`"invalid"`). A registration or
 * refresh: no proof (`"no-proof"`), a proof that is not a well-formed DBSC JWT (`"malformed"`), signed by
 * another key (`"signature"`), over a challenge this session's binding did not issue (`"challenge"`), an
 * expired one (`"stale"`), one already used (`"replayed"`), for another DBSC session (`"other-session"`); a
 * registration nobody offered (`"not-offered"`) or for a session already bound (`"already-bound"`); no
 * signed-in session at all (`"no-session"`).
 */
export type BindingFailure =
  | "unbound"
  | "missing"
  | "expired"
  | "invalid"
  | "no-proof"
  | "malformed"
  | "signature"
  | "challenge"
  | "stale"
  | "replayed"
  | "other-session"
  | "not-offered"
  | "already-bound"
  | "no-session";

/**
 * A DBSC check refused the request (`requireBinding({ onRefused: "throw" })`). Default response 401, never
 * cached; `reason` says why.
 */
export class SessionBindingError extends SessionError {
  readonly code = "BINDING";
  override readonly status = 401;
  /** Why the request was refused. */
  readonly reason: BindingFailure;
  constructor(reason: BindingFailure) {
    super(`this request needs the session's device-bound credential (${reason})`);
    this.reason = reason;
  }
}

/**
 * The session data a request is about to write does not match the engine's `schema` (a `set()` of the wrong
 * shape from JavaScript, or past a cast): nothing is written. `paths` name the failing keys (`cart.0.sku`;
 * `""` for the data as a whole), never their values. Default response 500: a bug in the app.
 *
 * @example
 * ```ts
 * try {
 *   await request.commit();
 * } catch (error) {
 *   if (error instanceof SessionSchemaError) console.error("session write refused at", error.paths.join(", "));
 * }
 * ```
 */
export class SessionSchemaError extends SessionError {
  readonly code = "SCHEMA";
  /** The failing paths, as dotted keys. */
  readonly paths: readonly string[];
  constructor(paths: readonly string[]) {
    super(
      `session data does not match the schema at ${paths.map((path) => (path ? `"${path}"` : "the data as a whole")).join(", ")}: not written`,
    );
    this.paths = paths;
  }
}

/** Every error edge-session throws: `catch (e) { if (e instanceof SessionError) ... }` narrows to this. */
export type SessionErrors =
  | SessionConfigError
  | SessionTooLargeError
  | SessionStoreError
  | SessionConflictError
  | SessionLockTimeoutError
  | SessionNotLoadedError
  | SessionClosedError
  | SessionStepUpRequiredError
  | SessionDeviceLimitError
  | SessionCsrfError
  | SessionRequiredError
  | SessionLimitError
  | SessionBindingError
  | SessionSchemaError;

/** The `code` of each error class. */
export type SessionErrorCode =
  | "CONFIG"
  | "TOO_LARGE"
  | "STORE_UNAVAILABLE"
  | "CONFLICT"
  | "LOCK_TIMEOUT"
  | "NOT_LOADED"
  | "CLOSED"
  | "STEP_UP_REQUIRED"
  | "DEVICE_LIMIT"
  | "CSRF"
  | "SESSION_REQUIRED"
  | "LIMIT"
  | "BINDING"
  | "SCHEMA";
