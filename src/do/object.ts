import { DurableObject } from "cloudflare:workers";
import {
  SESSION_PREFIX,
  USER_PREFIX,
  type CheckResult,
  type DeviceSession,
  type LinkRequest,
  type LockRequest,
  type Snapshot,
  type WriteRequest,
  type WriteResult,
} from "./protocol.js";

/** Storage layout of a session object (all under the object's transactional storage). */
interface StoredRecord {
  value: string;
  version: number;
  /** When the session itself expires (its idle or absolute limit). */
  deadline: number;
  /** When the record goes: the deadline plus the time it is kept to say why the session ended. */
  expiresAt: number;
}
/** Deleted or revoked: no write may bring the session back before `until`. */
interface Tombstone {
  until: number;
}
interface Lock {
  token: string;
  until: number;
}
interface Link {
  userId: string;
  device: string;
  created: number;
  lastUsed: number;
  expiresAt: number;
}
/** Storage layout of a user object: one entry per linked session under `d:<sessionId>`. */
interface IndexEntry {
  device: string;
  created: number;
}

interface Waiter extends LockRequest {
  deadline: number;
  grant: (granted: boolean) => void;
}

const REC = "rec";
const TOMB = "tomb";
const LOCK = "lock";
const LINK = "link";
const ENTRY = "d:";

/**
 * The Durable Object behind `DurableObjectStore`, bound once in wrangler.toml. Each object is one stored
 * session key (`s:<key>`: value, version, tombstone, lock, user link) or one user (`u:<id>`: the index of
 * that user's sessions). An object runs one method at a time between awaits and every state change below
 * is one synchronous storage transaction: a version check and its write can never interleave with another
 * request, and a reset object either committed a write or did not.
 *
 * Expiry needs no cron: the object sets an alarm for its earliest deadline (record, tombstone, lock, link,
 * lock waiter) and deletes what has passed when it fires.
 */
export class SessionObject extends DurableObject {
  /** @internal The object's clock. Tests move it (through `runInDurableObject`) instead of sleeping. */
  clock: () => number = Date.now;
  /** @internal Requests waiting for the lock, in arrival order. In memory: a reset object fails their calls. */
  waiting: Waiter[] = [];

  /** Reads the session, first taking the lock when asked (waiting up to `lock.waitMs`). */
  async read(lock?: LockRequest): Promise<Snapshot> {
    this.#role(SESSION_PREFIX);
    if (lock && !(await this.#acquire(lock))) return { state: "lock-timeout" };
    const now = this.clock();
    if (this.#tombstone(now)) return { state: "revoked" };
    const record = this.#record(now);
    return record ? { state: "live", value: record.value, version: record.version } : { state: "missing" };
  }

  /** Writes the value if the stored version is still `expected` (compare-and-swap), in one transaction. */
  async write(request: WriteRequest): Promise<WriteResult> {
    this.#role(SESSION_PREFIX);
    const now = this.clock();
    const kv = this.ctx.storage.kv;
    const result = this.ctx.storage.transactionSync((): WriteResult => {
      if (this.#tombstone(now)) return { ok: false, state: "revoked" };
      const stored = kv.get<StoredRecord>(REC);
      const live = stored && stored.expiresAt > now ? stored : undefined;
      if (request.expected !== undefined && request.expected !== (live?.version ?? 0)) {
        return { ok: false, state: "conflict", current: live ? { value: live.value, version: live.version } : null };
      }
      // Versions keep counting past an expired record, so an old reader can never match a new record.
      const version = (stored?.version ?? 0) + 1;
      const deadline = now + request.ttl * 1000;
      const expiresAt = deadline + (request.keep ?? 0) * 1000;
      kv.put<StoredRecord>(REC, { value: request.value, version, deadline, expiresAt });
      const link = kv.get<Link>(LINK);
      if (link) {
        const lastUsed = request.metadata?.["lastUsed"];
        // The device list shows live sessions only: the link ends at the deadline, not with the kept record.
        kv.put<Link>(LINK, { ...link, lastUsed: typeof lastUsed === "number" ? lastUsed : now, expiresAt: deadline });
      }
      if (request.release !== undefined) this.#release(request.release);
      return { ok: true, version };
    });
    this.#grantNext(now);
    await this.#schedule();
    return result;
  }

  /**
   * Ends the session here at once: the value, lock and user link go, and a tombstone refuses reads,
   * writes and revocation checks until the session could no longer have been valid (`ttl` seconds, or
   * longer if the stored record or link would have lived longer; `unknownTtl` seconds when the object
   * knows nothing of the session, e.g. an unlinked cookie-mode session revoked by id). Returns the linked
   * user, if any.
   */
  async revoke(ttl: number, unknownTtl = 0): Promise<{ userId: string | undefined }> {
    this.#role(SESSION_PREFIX);
    const now = this.clock();
    const kv = this.ctx.storage.kv;
    const userId = this.ctx.storage.transactionSync(() => {
      const record = kv.get<StoredRecord>(REC);
      const link = kv.get<Link>(LINK);
      const floor = now + (record || link ? ttl : Math.max(ttl, unknownTtl)) * 1000;
      const until = Math.max(floor, deadlineOf(record), link?.expiresAt ?? 0, kv.get<Tombstone>(TOMB)?.until ?? 0);
      kv.delete(REC);
      kv.delete(LINK);
      kv.delete(LOCK);
      if (until > now) kv.put<Tombstone>(TOMB, { until });
      return link?.userId;
    });
    this.#grantNext(now); // waiters get the lock and read "revoked" at once
    await this.#schedule();
    return { userId };
  }

  /** Releases the lock if `token` still holds it (an expired lease may already belong to another request). */
  async release(token: string): Promise<void> {
    this.#role(SESSION_PREFIX);
    this.#release(token);
    this.#grantNext(this.clock());
    await this.#schedule();
  }

  /** Cookie-mode revocation check: one read, no write. */
  check(): CheckResult {
    this.#role(SESSION_PREFIX);
    const now = this.clock();
    const revoked = this.#tombstone(now) !== undefined;
    return { revoked, linked: !revoked && this.#link(now) !== undefined };
  }

  /** Links the session to a user (at login). Refused (false) when the session was already revoked. */
  async link(request: LinkRequest): Promise<boolean> {
    this.#role(SESSION_PREFIX);
    const now = this.clock();
    if (this.#tombstone(now)) return false;
    const record = this.#record(now);
    const expiresAt = Math.max(now + request.ttl * 1000, deadlineOf(record));
    const { userId, device, created, lastUsed } = request;
    this.ctx.storage.kv.put<Link>(LINK, { userId, device, created, lastUsed, expiresAt });
    await this.#schedule();
    return true;
  }

  /** Cookie mode: a linked session was used; moves lastUsed and the link's expiry. */
  async touch(lastUsed: number, ttl: number): Promise<void> {
    this.#role(SESSION_PREFIX);
    const now = this.clock();
    const link = this.#link(now);
    if (!link || this.#tombstone(now)) return;
    this.ctx.storage.kv.put<Link>(LINK, { ...link, lastUsed, expiresAt: Math.max(link.expiresAt, now + ttl * 1000) });
    await this.#schedule();
  }

  /** The session's device entry, or null when it is no longer live (expired or revoked). */
  info(): Omit<DeviceSession, "id"> & { userId: string } | null {
    this.#role(SESSION_PREFIX);
    const now = this.clock();
    const link = this.#link(now);
    if (!link || this.#tombstone(now)) return null;
    return { userId: link.userId, device: link.device, created: link.created, lastUsed: link.lastUsed };
  }

  /** User object: records a session of this user. */
  addSession(id: string, entry: IndexEntry): void {
    this.#role(USER_PREFIX);
    this.ctx.storage.kv.put<IndexEntry>(ENTRY + id, { device: entry.device, created: entry.created });
  }

  /** User object: forgets sessions (revoked, expired). */
  removeSessions(ids: string[]): void {
    this.#role(USER_PREFIX);
    const kv = this.ctx.storage.kv;
    this.ctx.storage.transactionSync(() => ids.forEach((id) => kv.delete(ENTRY + id)));
  }

  /** User object: the ids of the sessions linked to this user. */
  sessionIds(): string[] {
    this.#role(USER_PREFIX);
    return [...this.ctx.storage.kv.list({ prefix: ENTRY })].map(([key]) => key.slice(ENTRY.length));
  }

  /** Deletes whatever has passed its deadline, times out lock waiters, and sets the next alarm. */
  override async alarm(): Promise<void> {
    const now = this.clock();
    const kv = this.ctx.storage.kv;
    const expiredLink = this.ctx.storage.transactionSync(() => {
      if (!this.#record(now)) kv.delete(REC);
      if (!this.#tombstone(now)) kv.delete(TOMB);
      if ((kv.get<Lock>(LOCK)?.until ?? Infinity) <= now) kv.delete(LOCK);
      const link = kv.get<Link>(LINK);
      if (!link || link.expiresAt > now) return undefined;
      kv.delete(LINK);
      return link;
    });
    this.#grantNext(now);
    if (expiredLink) await this.#unindex(expiredLink.userId);
    if (this.waiting.length === 0 && [...kv.list({ limit: 1 })].length === 0) {
      await this.ctx.storage.deleteAll(); // nothing left: the object costs nothing until used again
      return;
    }
    await this.#schedule(true);
  }

  #role(prefix: string): void {
    // Role by name: a stub made with idFromString (no name) or the other prefix cannot be misused.
    if (!this.ctx.id.name?.startsWith(prefix)) throw new TypeError(`this method needs an object named ${prefix}...`);
  }

  #tombstone(now: number): Tombstone | undefined {
    const tomb = this.ctx.storage.kv.get<Tombstone>(TOMB);
    return tomb && tomb.until > now ? tomb : undefined;
  }

  #record(now: number): StoredRecord | undefined {
    const record = this.ctx.storage.kv.get<StoredRecord>(REC);
    return record && record.expiresAt > now ? record : undefined;
  }

  #link(now: number): Link | undefined {
    const link = this.ctx.storage.kv.get<Link>(LINK);
    return link && link.expiresAt > now ? link : undefined;
  }

  async #acquire(request: LockRequest): Promise<boolean> {
    const now = this.clock();
    const kv = this.ctx.storage.kv;
    const lock = kv.get<Lock>(LOCK);
    if (!lock || lock.until <= now || lock.token === request.token) {
      kv.put<Lock>(LOCK, { token: request.token, until: now + request.leaseMs });
      await this.#schedule();
      return true;
    }
    if (request.waitMs <= 0) return false;
    const granted = new Promise<boolean>((grant) => {
      this.waiting.push({ ...request, deadline: now + request.waitMs, grant });
    });
    await this.#schedule();
    return granted;
  }

  #release(token: string): void {
    const kv = this.ctx.storage.kv;
    if (kv.get<Lock>(LOCK)?.token === token) kv.delete(LOCK);
  }

  /** Hands a free lock to the longest-waiting request; waiters past their deadline are told no. */
  #grantNext(now: number): void {
    const kv = this.ctx.storage.kv;
    for (const waiter of this.waiting.filter((w) => w.deadline <= now)) waiter.grant(false);
    this.waiting = this.waiting.filter((w) => w.deadline > now);
    const lock = kv.get<Lock>(LOCK);
    if (lock && lock.until > now) return;
    const next = this.waiting.shift();
    if (next) kv.put<Lock>(LOCK, { token: next.token, until: now + next.leaseMs });
    else if (lock) kv.delete(LOCK);
    next?.grant(true);
  }

  /**
   * Sets the alarm for the earliest deadline, converting from the object's clock to real time. `force`:
   * from the alarm handler, where the alarm that is running must not be mistaken for the next one.
   */
  async #schedule(force = false): Promise<void> {
    const kv = this.ctx.storage.kv;
    const deadlines = [
      kv.get<StoredRecord>(REC)?.expiresAt,
      kv.get<Tombstone>(TOMB)?.until,
      kv.get<Lock>(LOCK)?.until,
      kv.get<Link>(LINK)?.expiresAt,
      ...this.waiting.map((w) => w.deadline),
    ].filter((t): t is number => t !== undefined);
    if (deadlines.length === 0) return;
    const at = Date.now() + Math.max(0, Math.min(...deadlines) - this.clock());
    const current = force ? null : await this.ctx.storage.getAlarm();
    // An earlier alarm finds nothing due and sets the next one: no alarm rewrite on every write.
    if (current === null || at < current) await this.ctx.storage.setAlarm(at);
  }

  /** Drops this (expired) session from its user's index; listSessions prunes it too if this fails. */
  async #unindex(userId: string): Promise<void> {
    const name = this.ctx.id.name!;
    const namespace = (this.ctx.exports as Partial<Record<string, DurableObjectNamespace<SessionObject>>>).SessionObject;
    if (!namespace) return;
    try {
      await namespace.getByName(USER_PREFIX + userId).removeSessions([name.slice(SESSION_PREFIX.length)]);
    } catch {
      // Best effort: the index is cleaned again when listed.
    }
  }
}

/** When a stored session expires; records written before `deadline` existed expire with the record. */
function deadlineOf(record: StoredRecord | undefined): number {
  return record?.deadline ?? record?.expiresAt ?? 0;
}
