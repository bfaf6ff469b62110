export { session, type SessionOptions, type SessionVariables } from "./middleware.js";
export { sessionEngine, type SessionEngine, type RequestSession } from "./core/engine.js";
export type { SessionEngineOptions, PerRequest } from "./core/options.js";
export { withSession, withCookies } from "./core/with-session.js";
export { Session } from "./session.js";
export { createKeyring, Keyring, type Encryption, type KeyringOptions, type Secret } from "./crypto/keyring.js";
export { sealSession, unsealSession, COOKIE_LIMIT, type InvalidReason, type UnsealSessionOptions, type UnsealSessionResult } from "./token.js";
export type { UnsealFailure } from "./crypto/seal.js";
export { newSessionId, type Envelope, type SessionData, type SessionMeta } from "./envelope.js";
export type { ExpiredReason, ExpiryLimits } from "./expiry.js";
export type { CookieOptions, SameSite } from "./cookie.js";
export {
  SessionError,
  SessionConfigError,
  SessionTooLargeError,
  SessionStoreError,
  SessionConflictError,
  SessionLockTimeoutError,
  SessionNotLoadedError,
  SessionClosedError,
  type SessionErrorCode,
  type SessionErrors,
} from "./errors.js";
export type { SessionStore, StoreKey, StoreSetOptions, StoreListOptions } from "./store.js";
export { MemoryStore, type MemoryStoreOptions } from "./memory-store.js";
export { KVStore, KV_LIMITS, isKVNamespace, type KVStoreOptions } from "./kv/kv-store.js";
export { sealedStore, type SealedStore, type SealedStoreOptions, type StoreRead } from "./crypto/sealed-store.js";
export { STORE_TIMEOUT, type StoreOption } from "./store-option.js";
export { StoreTimeout } from "./guarded-store.js";
export { EXPIRED_GRACE, type StoredMetadata } from "./stored-session.js";
export {
  listActiveSessions,
  purgeExpired,
  type ActiveSession,
  type ActiveSessionsPage,
  type ListActiveSessionsOptions,
  type PurgeExpiredOptions,
} from "./admin.js";
export { DurableObjectStore, type DurableObjectStoreOptions, type SessionObjectNamespace } from "./do/store.js";
export {
  linkSession,
  listSessions,
  revokeSession,
  revokeAllSessions,
  type LinkableSession,
  type LinkOptions,
  type RevokeAllOptions,
  type RevokeSessionOptions,
} from "./do/users.js";
export type { RevocationOptions } from "./do/revocation.js";
export type { DeviceSession, VersionedSessions } from "./do/protocol.js";
