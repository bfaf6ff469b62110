/**
 * Isolate-wide memory of revocation checks (cookie mode, `revocation.cacheFor`): session id -> ms until
 * which a "not revoked" answer may be reused. Bounded; the oldest entries go first.
 */
const checked = new Map<string, number>();
const ENTRIES = 10_000;

export function checkedUntil(sessionId: string): number {
  return checked.get(sessionId) ?? 0;
}

export function remember(sessionId: string, until: number): void {
  checked.delete(sessionId);
  if (checked.size >= ENTRIES) checked.delete(checked.keys().next().value!);
  checked.set(sessionId, until);
}

/** A session revoked in this isolate is checked again at once. */
export function forget(sessionId: string): void {
  checked.delete(sessionId);
}
