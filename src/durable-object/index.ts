/**
 * `edge-session/durable-object`: the Durable Object class to export from a Worker's main module, with the
 * store and the per-user helpers that talk to it.
 *
 * `SessionObject` lives apart from the package root because it extends `DurableObject` from
 * `cloudflare:workers`, which only the Workers runtime (and bundlers targeting it) can resolve: the root stays
 * importable from Node, Deno or Bun. The store and helpers are also exported from the root.
 *
 * @example
 * ```ts
 * export { SessionObject } from "edge-session/durable-object";
 * ```
 */
export { SessionObject } from "./object.js";
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
export type { DeviceSession, VersionedSessions } from "./protocol.js";
