import { SessionConfigError } from "../core/errors.js";
import type { SessionStore } from "../stores/store.js";
import { isKVNamespace, KVStore, type KVNamespaceLike } from "./kv-store.js";

/** A KV namespace binding (wrapped in a `KVStore` without prefix) or any `SessionStore`, or a function of the context. */
export type StoreOption<C = unknown> = KVNamespaceLike | SessionStore | ((context: C) => KVNamespaceLike | SessionStore);

const kvStores = new WeakMap<KVNamespaceLike, KVStore>();

/**
 * A `SessionStore` for an option value: itself, or a `KVStore` (one per binding) for a KV namespace.
 *
 * @example
 * ```ts
 * const store = sessionStoreOf(env.SESSIONS, "store"); // the same KVStore for every call with this binding
 * ```
 */
export function sessionStoreOf(value: unknown, name: string): SessionStore {
  if (isSessionStore(value)) return value;
  if (isKVNamespace(value)) {
    let kv = kvStores.get(value);
    if (!kv) kvStores.set(value, (kv = new KVStore(value)));
    return kv;
  }
  // undefined usually means a binding missing from wrangler.toml (or a typo in its name).
  throw new SessionConfigError(`${name} must be a KV namespace binding or a SessionStore (got ${value === null ? "null" : typeof value})`);
}

function isSessionStore(value: unknown): value is SessionStore {
  if (typeof value !== "object" || value === null || value instanceof Map) return false;
  const candidate = value as Partial<Record<keyof SessionStore, unknown>>;
  return typeof candidate.get === "function" && typeof candidate.set === "function" && typeof candidate.delete === "function";
}
