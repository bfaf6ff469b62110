/**
 * `edge-session/kv`: the Workers KV store. (Also exported from the package root; import it from here to
 * keep the dependency explicit.)
 *
 * @example
 * ```ts
 * import { KVStore } from "edge-session/kv";
 * app.use(session({ secret: (c) => c.env.SESSION_SECRET, store: (c) => new KVStore(c.env.SESSIONS, { prefix: "s:" }) }));
 * ```
 */
export { KVStore, KV_LIMITS, isKVNamespace, type KVStoreOptions, type KVNamespaceLike, type KVListPage } from "./kv-store.js";
