/**
 * `edge-session/redis`: sessions in Redis over its REST protocol (Upstash's), with versioned writes by Lua
 * scripts. No dependency: the store speaks the protocol itself (one `fetch` per call).
 *
 * @example
 * ```ts
 * import { RedisStore } from "edge-session/redis";
 * app.use(session({ secret: (c) => c.env.SESSION_SECRET, idleTimeout: 1800,
 *   store: (c) => new RedisStore({ url: c.env.UPSTASH_REDIS_REST_URL, token: c.env.UPSTASH_REDIS_REST_TOKEN }) }));
 * ```
 */
export { RedisStore, REDIS_LIMITS, type RedisStoreOptions } from "./redis-store.js";
