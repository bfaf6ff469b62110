/**
 * `edge-session/durable-object`: the Durable Object class to export from a Worker's main module.
 *
 * It lives apart from the package root because it extends `DurableObject` from `cloudflare:workers`, which
 * only the Workers runtime (and bundlers targeting it) can resolve: the root stays importable from Node,
 * Deno or Bun, e.g. to seal and unseal sessions in a script.
 */
export { SessionObject } from "./do/object.js";
