import { SessionStoreError } from "../errors.js";
import type { Session } from "../session.js";

/** The loaded session of the request (`await c.var.session.load()`). */
export type LinkableSession = Pick<Session, "id" | "meta" | "idleSecondsLeft">;
import { SESSION_PREFIX, USER_PREFIX, type DeviceSession } from "./protocol.js";
import { forget } from "./revocation-cache.js";
import { objectNamed, type ObjectApi, type SessionObjectNamespace } from "./store.js";

export interface LinkOptions {
  /** What the device list shows, e.g. "Firefox on Linux". At most 256 characters. Default "". */
  device?: string;
  /**
   * Seconds the link lives unless the session is written or touched again. Default: the session's idle time
   * left, or 14 days when it has no idle limit. Server-side sessions carry it forward on every write.
   */
  ttl?: number;
}

export type RevokeAllOptions = {
  /** Session id(s) to keep, e.g. the current one: "log out my other devices". */
  except?: string | readonly string[];
};

/** Link lifetime without an idle limit, and how long a revocation of an unknown session is remembered. */
const UNBOUNDED_TTL = 14 * 24 * 3600;
const MAX_ID_LENGTH = 256;
/** Objects called at once when a listing or revocation fans out over a user's sessions. */
const FAN_OUT = 16;

/**
 * Links the (loaded) session to a user at login, so it shows in `listSessions` and ends with
 * `revokeAllSessions`. Call it after `session.regenerate()`: a new id is a new, unlinked session.
 * Returns false when the session was revoked meanwhile (nothing linked).
 *
 * ```ts
 * const s = await c.var.session.load();
 * s.regenerate();
 * s.set("user", user.id);
 * await linkSession(c.env.SESSION_OBJECTS, s, user.id, { device: deviceName(c.req.header("User-Agent")) });
 * ```
 */
export async function linkSession(namespace: SessionObjectNamespace, session: LinkableSession, userId: string, options: LinkOptions = {}): Promise<boolean> {
  checkId(userId, "userId");
  const { id, meta } = session;
  const device = options.device ?? "";
  if (typeof device !== "string" || device.length > MAX_ID_LENGTH) throw new TypeError(`device must be a string of at most ${MAX_ID_LENGTH} characters`);
  const ttl = options.ttl ?? (session.idleSecondsLeft() || UNBOUNDED_TTL);
  if (!Number.isSafeInteger(ttl) || ttl < 1) throw new TypeError("ttl must be a whole number of seconds, at least 1");
  return guard("set", async () => {
    // The index first: a session that is linked but not indexed could escape "log out everywhere".
    await user(namespace, userId).addSession(id, { device, created: meta.created });
    const linked = await sessionObject(namespace, id).link({ userId, device, created: meta.created, lastUsed: meta.lastUsed, ttl });
    if (!linked) await user(namespace, userId).removeSessions([id]);
    return linked;
  });
}

/**
 * The user's live sessions, most recently used first. Costs one call to the user's object and one per
 * session (in parallel); entries of sessions that expired or were revoked are dropped from the index.
 */
export async function listSessions(namespace: SessionObjectNamespace, userId: string): Promise<DeviceSession[]> {
  checkId(userId, "userId");
  return guard("list", async () => {
    const ids = await user(namespace, userId).sessionIds();
    const infos = await inBatches(ids, (id) => sessionObject(namespace, id).info());
    const live: DeviceSession[] = [];
    const dead: string[] = [];
    ids.forEach((id, i) => {
      const info = infos[i];
      if (info && info.userId === userId) live.push({ id, device: info.device, created: info.created, lastUsed: info.lastUsed });
      else dead.push(id);
    });
    if (dead.length) await user(namespace, userId).removeSessions(dead);
    return live.sort((a, b) => b.lastUsed - a.lastUsed);
  });
}

/**
 * Ends one session now, in every location: its stored value is deleted, a copied cookie is refused (in
 * cookie mode with revocation checks on), and it leaves its user's list. For a session its object knows
 * nothing about (an unlinked cookie-mode session), the refusal lasts 14 days.
 */
export async function revokeSession(namespace: SessionObjectNamespace, sessionId: string): Promise<void> {
  checkId(sessionId, "sessionId");
  await endSession(namespace, sessionId, 0, UNBOUNDED_TTL);
}

/**
 * @internal Revokes a session (tombstone for at least `ttl` seconds, `unknownTtl` when its object knew
 * nothing of it) and drops it from its user's index. destroy() in the Durable Object modes ends here too.
 */
export function endSession(namespace: SessionObjectNamespace, sessionId: string, ttl: number, unknownTtl = 0): Promise<void> {
  return guard("delete", async () => {
    const { userId } = await sessionObject(namespace, sessionId).revoke(ttl, unknownTtl);
    forget(sessionId);
    if (userId !== undefined) await user(namespace, userId).removeSessions([sessionId]);
  });
}

/**
 * Ends every session of the user ("log out everywhere", after a password change, by an admin), except
 * those in `except` ("log out my other devices"). Returns the number of sessions ended. A failure part-way
 * throws `SessionStoreError` and leaves the sessions not yet ended in the index, so a retry finishes the job.
 */
export async function revokeAllSessions(namespace: SessionObjectNamespace, userId: string, options: RevokeAllOptions = {}): Promise<number> {
  checkId(userId, "userId");
  const keep = new Set(typeof options.except === "string" ? [options.except] : (options.except ?? []));
  return guard("delete", async () => {
    const targets = (await user(namespace, userId).sessionIds()).filter((id) => !keep.has(id));
    const results = await inBatches(targets, (id) =>
      sessionObject(namespace, id)
        .revoke(0)
        .then(() => true, () => false),
    );
    targets.forEach(forget);
    const ended = targets.filter((_, i) => results[i]);
    await user(namespace, userId).removeSessions(ended);
    if (ended.length < targets.length) throw new Error(`${targets.length - ended.length} sessions could not be revoked`);
    return ended.length;
  });
}

function user(namespace: SessionObjectNamespace, userId: string): ObjectApi {
  return objectNamed(namespace, USER_PREFIX + userId);
}

function sessionObject(namespace: SessionObjectNamespace, sessionId: string): ObjectApi {
  return objectNamed(namespace, SESSION_PREFIX + sessionId);
}

function checkId(id: string, name: string): void {
  if (typeof id !== "string" || id.length === 0 || id.length > MAX_ID_LENGTH) {
    throw new TypeError(`${name} must be a non-empty string of at most ${MAX_ID_LENGTH} characters`);
  }
}

async function guard<T>(operation: SessionStoreError["operation"], run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (cause) {
    throw new SessionStoreError(operation, { cause });
  }
}

async function inBatches<T, R>(items: readonly T[], call: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += FAN_OUT) results.push(...(await Promise.all(items.slice(i, i + FAN_OUT).map(call))));
  return results;
}
