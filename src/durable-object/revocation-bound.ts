/**
 * Isolate-wide memory of how long a revoked cookie must be refused, per `SessionObject` namespace: the
 * revocation middleware built in this isolate registers the longest a copy of its cookies can be accepted
 * (from its idle, absolute and lifetime limits), and `revokeSession` remembers a revocation that long by
 * default. Keyed by the binding object; the longest registration wins.
 */
const bounds = new WeakMap<object, number>();

/** Records that copies of cookies checked against `namespace` can be accepted for up to `seconds`. */
export function registerRevocationBound(namespace: object, seconds: number): void {
  bounds.set(namespace, Math.max(bounds.get(namespace) ?? 0, seconds));
}

/** The longest registered bound for `namespace`, in seconds, or undefined when no middleware registered one. */
export function revocationBoundOf(namespace: object): number | undefined {
  return bounds.get(namespace);
}
