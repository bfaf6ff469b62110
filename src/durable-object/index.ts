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
export * from "./client.js";
