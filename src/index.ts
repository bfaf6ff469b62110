export { session } from "./hono/middleware.js";
export type { SessionOptions, SessionVariables } from "./hono/adapter.js";
export { requireRecentAuth } from "./hono/step-up.js";
export { sessionStatus, staySignedIn, type SessionStatusOptions, type StaySignedInOptions } from "./idle-warning/status.js";
export type { SessionStatus } from "./idle-warning/state.js";
export type { AllowedOrigins } from "./hono/cross-site.js";
export { csrfChecker, requireCsrfToken, type CsrfOptions } from "./hono/csrf.js";
export { requireSession, signedOutReason, type RequireSessionOptions } from "./hono/require-session.js";
export { sessionEngine } from "./engine.js";
export type { SessionEngine, RequestSession, RequestHeaders, StartOptions } from "./core/engine.js";
export type { SessionEvent, SessionEventType, SessionEventHandler, WaitUntil } from "./core/events.js";
export type { SessionEngineOptions, PerRequest } from "./core/options.js";
export type { StoreOption } from "./kv/store-option.js";
export { withSession, withCookies } from "./core/with-session.js";
export { Session } from "./core/session.js";
export { createKeyring, Keyring, type Encryption, type KeyringOptions, type Secret } from "./crypto/keyring.js";
export {
  sealSession,
  unsealSession,
  COOKIE_LIMIT,
  type InvalidReason,
  type UnsealSessionOptions,
  type SealSessionOptions,
  type UnsealSessionResult,
} from "./core/token.js";
export type { UnsealFailure } from "./crypto/seal.js";
export type { StandardSchemaV1, SessionSchema, SchemaData, Migrate } from "./core/schema.js";
export { newSessionId, type Envelope, type SessionData, type SessionLimits, type SessionMeta } from "./core/envelope.js";
export type { ExpiredReason, ExpiryLimits } from "./core/expiry.js";
export type { CookieOptions, SameSite } from "./core/cookie.js";
export {
  SessionError,
  SessionConfigError,
  SessionTooLargeError,
  SessionStoreError,
  SessionConflictError,
  SessionLockTimeoutError,
  SessionNotLoadedError,
  SessionClosedError,
  SessionStepUpRequiredError,
  SessionDeviceLimitError,
  SessionCsrfError,
  SessionRequiredError,
  type CsrfFailure,
  type SessionRequiredReason,
  SessionLimitError,
  SessionBindingError,
  type BindingFailure,
  SessionSchemaError,
  type SessionErrorCode,
  type SessionErrors,
} from "./core/errors.js";
export type { SessionStore, StoreKey, StoreSetOptions, StoreListOptions } from "./stores/store.js";
export { MemoryStore, type MemoryStoreOptions } from "./stores/memory-store.js";
export { KVStore, type KVStoreOptions, type KVNamespaceLike, type KVListPage } from "./kv/kv-store.js";
export { sealedStore, type SealedStore, type SealedStoreOptions, type StoreRead } from "./stores/sealed-store.js";
export { EXPIRED_GRACE, type ActiveSession, type StoredMetadata } from "./stores/stored-session.js";
export {
  listActiveSessions,
  purgeExpired,
  type ActiveSessionsPage,
  type ListActiveSessionsOptions,
  type PurgeExpiredOptions,
} from "./admin/sessions.js";
export * from "./durable-object/client.js";
