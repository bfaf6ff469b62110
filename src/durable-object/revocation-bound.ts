/**
 * Isolate-wide memory of what the engine with revocation checks built in this isolate needs from the per-user
 * helpers, per `SessionObject` namespace (keyed by the binding object; the longest registration wins):
 * - the longest a copy of its cookies can be accepted (from its idle, absolute and lifetime limits and its
 *   re-check window), which `revokeSession` remembers a revocation for by default;
 * - its re-check window (the longer of `recheckAfter` and `cacheFor`): how long after its last check a cookie
 *   may be resealed without a new one, which `linkSession` adds to a new link's life (see `linkSession`).
 */
const registered = new WeakMap<object, { bound: number; window: number }>();

/**
 * Records that copies of cookies checked against `namespace` can be accepted for up to `bound` seconds, and
 * resealed up to `window` seconds after their last check.
 */
export function registerRevocationBound(namespace: object, bound: number, window: number): void {
  const known = registered.get(namespace);
  registered.set(namespace, { bound: Math.max(known?.bound ?? 0, bound), window: Math.max(known?.window ?? 0, window) });
}

/** The longest registered bound for `namespace`, in seconds, or undefined when no engine registered one. */
export function revocationBoundOf(namespace: object): number | undefined {
  return registered.get(namespace)?.bound;
}

/** The longest registered re-check window for `namespace`, in seconds (0 when no engine registered one). */
export function recheckWindowOf(namespace: object): number {
  return registered.get(namespace)?.window ?? 0;
}
