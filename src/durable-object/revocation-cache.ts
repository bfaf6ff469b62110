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

/**
 * Sessions revoked in this isolate: their cookies are checked again whatever their sealed re-check time
 * says (`revocation.recheckAfter`), so a revocation applies at once where it was made. Bounded like `checked`.
 */
const revoked = new Set<string>();

/** A session revoked in this isolate is checked again at once. */
export function forget(sessionId: string): void {
  checked.delete(sessionId);
  revoked.delete(sessionId);
  if (revoked.size >= ENTRIES) revoked.delete(revoked.values().next().value!);
  revoked.add(sessionId);
}

/** Whether the session was revoked in this isolate (its sealed re-check time is not to be trusted here). */
export function revokedHere(sessionId: string): boolean {
  return revoked.has(sessionId);
}

/** A user reference as a cookie seals it: the user's id and its revocation generation at the last confirmation. */
export interface Owner {
  userId: string;
  generation: number;
}

/**
 * Sessions linked (`linkSession`) in this isolate and not sealed since: the request that linked one seals
 * its owner into the cookie it sends, so the session's checks ask the user's object from then on. Bounded
 * like `checked`; an entry is taken by the seal.
 */
const links = new Map<string, Owner>();

export function rememberLink(sessionId: string, owner: Owner): void {
  links.delete(sessionId);
  if (links.size >= ENTRIES) links.delete(links.keys().next().value!);
  links.set(sessionId, owner);
}

/** The owner a linkSession of this isolate gave the session, once (the seal that carries it takes it). */
export function takeLink(sessionId: string): Owner | undefined {
  const owner = links.get(sessionId);
  links.delete(sessionId);
  return owner;
}
