/**
 * What a Worker uses to talk to the `SessionObject`: the store and the per-user helpers. Nothing here
 * imports `cloudflare:workers`, so the package root exports it all too; `edge-session/durable-object` adds
 * the object class itself.
 */
export { DurableObjectStore, type DurableObjectStoreOptions, type SessionObjectNamespace } from "./store.js";
export {
  linkSession,
  listSessions,
  revokeSession,
  revokeAllSessions,
  type LinkableSession,
  type LinkOptions,
  type RevokeAllOptions,
  type RevokeSessionOptions,
} from "./users.js";
export type { RevocationOptions } from "./revocation.js";
export type { DeviceSession } from "./protocol.js";
export type { BoundKey, DeviceTraits } from "../stores/device-traits.js";
export type { VersionedSessions } from "../stores/versioned.js";
