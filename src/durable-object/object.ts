import { DurableObject } from "cloudflare:workers";
import { SessionConfigError } from "../core/errors.js";
import { CLOCK_SKEW_MS } from "../core/expiry.js";
import { inTime } from "../stores/guarded-store.js";
import {
  CALL_TIMEOUT_MS,
  isLimit,
  isTime,
  SESSION_PREFIX,
  USER_PREFIX,
  type CheckResult,
  type DeviceLimit,
  type DeviceSession,
  type Indexed,
  type IndexKey,
  type IndexedSession,
  type LinkRequest,
  type LinkResult,
  type RevokeAllResult,
  type RevokeResult,
  type SessionUse,
  type UserCheck,
  type UserLink,
} from "./protocol.js";
import {
  isLockRequest,
  isTtl,
  MAX_LEASE_MS,
  type LockRequest,
  type Snapshot,
  type WriteRequest,
  type WriteResult,
} from "../stores/versioned.js";

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
  /** The link it ended: a retried revocation still knows which user's index entry must go. */
  link?: UserLink | undefined;
  /**
   * When the alarm removes that entry itself (ms), should the caller's removal have failed: until then a
   * cookie check of the user's index could still find the session live. Absent: done, or nothing to remove.
   */
  unindexAt?: number | undefined;
}
interface Lock {
  token: string;
  until: number;
}
/** Times in ms since epoch: the device list's unit. */
interface Link {
  userId: string;
  device: string;
  created: number;
  lastUsed: number;
  expiresAt: number;
  /** The user index entry it belongs to (absent in links written by 0.1, before entries had one: 0). */
  seq?: number;
  /** Lapsed, and its user's index could not be asked whether it keeps the link: asked again then (ms). */
  retryAt?: number | undefined;
}
/**
 * Storage layout of a user object: one entry per indexed session under `d:<sessionId>`, the last entry
 * number under `seq`, and the revocation generation under `gen` (bumped by every revokeAllSessions): cookies
 * of this user's sessions seal the generation they were confirmed under, so one bump ends them all.
 */
interface IndexEntry {
  /** Absent in entries written by 0.1 (`{ device, created }`), before entries were numbered: 0. */
  seq?: number;
  /** The linkSession that indexed it confirmed (absent in entries written by 0.1: true). */
  confirmed?: boolean;
  /** When the link it was indexed for ends unless extended (ms; absent in entries written by 0.1: passed). */
  expiresAt?: number;
  /**
   * A cookie carrying this user's sealed reference was checked here: a cookie session, which this object
   * alone can end (its object holds no stored session). Absent: its object must be revoked too.
   */
  cookie?: boolean;
  /** Taken out of the user's reach; its object is to be revoked, then the entry removed (see IndexedSession.ending). */
  ending?: boolean;
  /**
   * Cookie mode with revocation checks: the last check's report (see SessionUse). While `until` lies ahead, the
   * entry and the session object's link live on whatever the link's own expiry says. Absent (no check reached
   * the entry, or it was written before 0.3): the link's expiry alone decides, as before.
   */
  used?: SessionUse;
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
const SEQ = "seq";
const GEN = "gen";
/** How long after a revocation its alarm makes sure the user's index entry went (the caller removes it first). */
const UNINDEX_DELAY_MS = 10_000;
/** How long the alarm waits before asking a user's object again when it could not be reached. */
const RETRY_MS = 60_000;

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
  /**
   * Tokens released before their lock request arrived (the caller gave up and its end released first), with
   * until when they are refused: such a late request must not take the lock for a whole lease. In memory: a
   * reset object's late requests are refused anyway (their calls fail).
   */
  #releasedEarly = new Map<string, number>();

  /** Reads the session, first taking the lock when asked (waiting up to `lock.waitMs`). */
  async read(lock?: LockRequest): Promise<Snapshot> {
    this.#role(SESSION_PREFIX);
    if (lock !== undefined && !isLockRequest(lock)) throw new SessionConfigError("lock lease or wait out of bounds");
    if (lock && !(await this.#acquire(lock))) return { state: "lock-timeout" };
    const now = this.clock();
    if (this.#tombstone(now)) return { state: "revoked" };
    const record = this.#record(now);
    return record ? { state: "live", value: record.value, version: record.version } : { state: "missing" };
  }

  /** Writes the value if the stored version is still `expected` (compare-and-swap), in one transaction. */
  async write(request: WriteRequest): Promise<WriteResult> {
    this.#role(SESSION_PREFIX);
    if (
      typeof request.value !== "string" ||
      !isTtl(request.ttl) ||
      !isTtl(request.keep ?? 0) ||
      !isTtl(request.ttl + (request.keep ?? 0))
    ) {
      throw new SessionConfigError("write needs a string value and ttl/keep within bounds");
    }
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
        // Stored metadata is in seconds; the device list keeps ms. It shows live sessions only: the link
        // ends at the deadline, not with the kept record.
        const lastUsed = request.metadata?.lastUsed;
        kv.put<Link>(LINK, { ...settled(link), lastUsed: Number.isSafeInteger(lastUsed) ? lastUsed! * 1000 : now, expiresAt: deadline });
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
   * writes, links and revocation checks until no copy of the session could still be accepted: at least
   * `ttl` seconds, and past the stored record's and the link's deadlines (plus the clock skew the server
   * tolerates). With `ifUser`, a session linked to another user is left alone (`revoked: false`): a user's
   * "log out everywhere" ends only sessions still linked to that user, or linked to no one (a login that
   * indexed the session and has not linked it yet must not link it afterwards). The caller removes the
   * link's entry from its user's index; the alarm does it again a few seconds later, retried until it lands,
   * so a removal that failed cannot leave a revoked session live for the user's cookie checks.
   */
  async revoke(ttl: number, ifUser?: string): Promise<RevokeResult> {
    this.#role(SESSION_PREFIX);
    if (!isTtl(ttl)) throw new SessionConfigError("revoke ttl out of bounds");
    const now = this.clock();
    const result = this.ctx.storage.transactionSync(() => this.#revoke(now, ttl, ifUser));
    this.#grantNext(now); // waiters get the lock and read "revoked" at once
    await this.#schedule();
    return result;
  }

  /**
   * The session moves to a new key (`regenerate()`): ends it here as {@link SessionObject.revoke} does, in the
   * same transaction as the check that it is still live. `live: false`: it had ended (revoked, expired or
   * never written) and nothing changed: the caller must not write its data under the new key.
   */
  async handOver(): Promise<{ live: false } | { live: true; link: UserLink | undefined }> {
    this.#role(SESSION_PREFIX);
    const now = this.clock();
    const result = this.ctx.storage.transactionSync(() => {
      if (this.#tombstone(now) || !this.#record(now)) return { live: false as const };
      return { live: true as const, link: this.#revoke(now, 0).link };
    });
    this.#grantNext(now);
    await this.#schedule();
    return result;
  }

  /**
   * Releases the lock if `token` still holds it (an expired lease may already belong to another request), or
   * withdraws the wait of a caller that gave up: the lock must not pass to a request that is gone.
   */
  async release(token: string): Promise<void> {
    this.#role(SESSION_PREFIX);
    this.#release(token);
    this.#grantNext(this.clock());
    await this.#schedule();
  }

  /** Cookie-mode revocation check of a session's own object: one read. */
  async check(): Promise<CheckResult> {
    this.#role(SESSION_PREFIX);
    const now = this.clock();
    const revoked = this.#tombstone(now) !== undefined;
    const link = revoked ? undefined : this.#link(now);
    return link ? { revoked, linked: true, userId: link.userId } : { revoked, linked: false };
  }

  /**
   * Links the session to a user (at login). Refused (`linked: false`) when the session was revoked. A link
   * to another user is replaced, and returned as `previous`: its index entry must go.
   */
  async link(request: LinkRequest): Promise<LinkResult> {
    this.#role(SESSION_PREFIX);
    const { userId, device, created, lastUsed, ttl, seq } = request;
    if (
      !isTtl(ttl, 1) ||
      !isTime(created) ||
      !isTime(lastUsed) ||
      !Number.isSafeInteger(seq) ||
      typeof userId !== "string" ||
      typeof device !== "string"
    ) {
      throw new SessionConfigError("link request out of bounds");
    }
    const now = this.clock();
    const kv = this.ctx.storage.kv;
    if (this.#tombstone(now)) return { linked: false };
    const old = kv.get<Link>(LINK);
    const previous: UserLink | undefined = old && old.userId !== userId ? { userId: old.userId, seq: old.seq ?? 0 } : undefined;
    const expiresAt = Math.max(now + ttl * 1000, this.#record(now)?.deadline ?? 0);
    kv.put<Link>(LINK, { userId, device, created, lastUsed, expiresAt, seq });
    await this.#schedule();
    return { linked: true, previous };
  }

  /**
   * The session's device entry, or null when it is no longer live (expired or revoked). `keptUntil`: how long
   * its user's index keeps the link alive (ms; revocation checks move it, see SessionUse), which counts even
   * when the link's own expiry has passed and its alarm has not yet asked the index.
   */
  info(keptUntil?: number): (Omit<DeviceSession, "id"> & { userId: string }) | null {
    this.#role(SESSION_PREFIX);
    if (keptUntil !== undefined && !isTime(keptUntil)) throw new SessionConfigError("keptUntil must be a time in ms since epoch");
    const now = this.clock();
    const link = this.ctx.storage.kv.get<Link>(LINK);
    if (!link || this.#tombstone(now) || Math.max(link.expiresAt, keptUntil ?? 0) <= now) return null;
    return { userId: link.userId, device: link.device, created: link.created, lastUsed: link.lastUsed };
  }

  /**
   * User object: indexes a session (linkSession's first step, before the session object is linked), as
   * pending until confirmed. Answers the entry's number and the current revocation generation.
   */
  addSession(id: string, ttl: number, limit?: DeviceLimit): Indexed {
    this.#role(USER_PREFIX);
    if (!isTtl(ttl, 1)) throw new SessionConfigError("index ttl out of bounds");
    if (limit !== undefined && !isLimit(limit)) throw new SessionConfigError("device limit out of bounds");
    const kv = this.ctx.storage.kv;
    // One transaction of one object: concurrent logins of the user are counted one after the other, so no
    // more than `max` entries are ever indexed (pending ones included).
    return this.ctx.storage.transactionSync((): Indexed => {
      const generation = kv.get<number>(GEN) ?? 0;
      let evicted: IndexedSession[] = [];
      let dropped: string[] = [];
      if (limit) {
        const others = this.#entries().filter((entry) => entry.id !== id);
        // Sessions still being ended do not count (their revocation is retried here), live ones do.
        const live = others.filter((entry) => !entry.ending).sort((a, b) => a.seq - b.seq);
        const excess = live.length - (limit.max - 1);
        if (excess > 0 && limit.policy === "refuse") return { seq: 0, generation, refused: true };
        const ended = this.#end(excess > 0 ? live.slice(0, excess) : []);
        dropped = ended.dropped;
        evicted = [...others.filter((entry) => entry.ending).map(({ cookie: _, ...entry }) => entry), ...ended.revoke];
      }
      const seq = (kv.get<number>(SEQ) ?? 0) + 1;
      kv.put(SEQ, seq);
      kv.put<IndexEntry>(ENTRY + id, { seq, confirmed: false, expiresAt: this.clock() + ttl * 1000 });
      return { seq, generation, ...(evicted.length ? { evicted } : {}), ...(dropped.length ? { dropped } : {}) };
    });
  }

  /**
   * User object: linkSession's last step. True when no revokeAllSessions started since the session was
   * indexed (`generation`) and its entry is still there: then the entry is confirmed. False means the
   * caller must revoke the session it linked.
   */
  confirmSession(id: string, seq: number, generation: number): boolean {
    this.#role(USER_PREFIX);
    const kv = this.ctx.storage.kv;
    return this.ctx.storage.transactionSync(() => {
      const entry = kv.get<IndexEntry>(ENTRY + id);
      if ((kv.get<number>(GEN) ?? 0) !== generation || !entry || entry.ending) return false;
      // A newer linkSession of the same session re-indexed it meanwhile: that one confirms its own entry.
      if (entry.seq === seq) kv.put<IndexEntry>(ENTRY + id, { ...entry, confirmed: true });
      return true;
    });
  }

  /** User object: the sessions indexed for this user. */
  sessions(): IndexedSession[] {
    this.#role(USER_PREFIX);
    return this.#entries().map(({ cookie: _, ...entry }) => entry);
  }

  /**
   * User object: revokeAllSessions, in one transaction. Bumps the revocation generation (every cookie sealed
   * under an older one is refused at its next check, and a linkSession that indexed a session before this
   * cannot confirm it any more), drops the entries of cookie sessions (that ends them), and marks the others
   * ending: their objects must be revoked by the caller. Sessions in `except` stay, under the new generation.
   */
  revokeAll(except: readonly string[]): RevokeAllResult {
    this.#role(USER_PREFIX);
    if (!Array.isArray(except) || except.some((id) => typeof id !== "string")) throw new SessionConfigError("except must be session ids");
    const kv = this.ctx.storage.kv;
    const keep = new Set(except);
    return this.ctx.storage.transactionSync((): RevokeAllResult => {
      kv.put(GEN, (kv.get<number>(GEN) ?? 0) + 1);
      const targets = this.#entries().filter(({ id }) => !keep.has(id));
      const { dropped, revoke } = this.#end(targets);
      const listed = new Set(targets.filter((entry) => !entry.pending).map(({ id }) => id));
      return { ended: dropped.filter((id) => listed.has(id)).length, dropped, revoke };
    });
  }

  /**
   * User object: cookie mode's revocation check of one of this user's sessions: live, revoked or unknown.
   * `generation` is the one the cookie sealed; without it, the session's own object named this user. The
   * first live answer marks the entry as a cookie session's, which revokeAll then ends in its own step; every
   * live answer records `use` (the device list's lastUsed, and how long the entry and its link live).
   */
  checkSession(id: string, generation?: number, use?: SessionUse): UserCheck {
    this.#role(USER_PREFIX);
    if (typeof id !== "string" || (generation !== undefined && !(Number.isSafeInteger(generation) && generation >= 0))) {
      throw new SessionConfigError("check needs a session id and a generation");
    }
    if (use !== undefined && (typeof use !== "object" || use === null || !isTime(use.lastUsed) || !isTime(use.until))) {
      throw new SessionConfigError("use needs lastUsed and until in ms since epoch");
    }
    const kv = this.ctx.storage.kv;
    return this.ctx.storage.transactionSync((): UserCheck => {
      const current = kv.get<number>(GEN) ?? 0;
      const entry = kv.get<IndexEntry>(ENTRY + id);
      if (entry && !entry.ending) {
        // Never moved back: checks of several isolates may land out of order.
        const used = use && {
          lastUsed: Math.max(use.lastUsed, entry.used?.lastUsed ?? 0),
          until: Math.max(use.until, entry.used?.until ?? 0),
        };
        if (!entry.cookie || used) kv.put<IndexEntry>(ENTRY + id, { ...entry, cookie: true, ...(used ? { used } : {}) });
        return { state: "live", generation: current };
      }
      if (generation === undefined || generation < current) return { state: "revoked" };
      return { state: "unknown" };
    });
  }

  /**
   * User object: the session object's link of entry `seq` lapsed at `now` (that object's clock). An entry
   * that revocation checks keep alive past `now` stays, and answers until when (the link then lives as long);
   * any other entry of that link goes, and the answer is 0.
   */
  lapse(id: string, seq: number, now: number): number {
    this.#role(USER_PREFIX);
    if (typeof id !== "string" || !Number.isSafeInteger(seq) || !isTime(now)) {
      throw new SessionConfigError("lapse needs a session id, an entry number and a time");
    }
    const kv = this.ctx.storage.kv;
    return this.ctx.storage.transactionSync(() => {
      const entry = kv.get<IndexEntry>(ENTRY + id);
      if (!entry || (entry.seq ?? 0) !== seq) return 0; // re-indexed since: that entry has a link of its own
      if (!entry.ending && entry.used && entry.used.until > now) return entry.used.until;
      kv.delete(ENTRY + id);
      return 0;
    });
  }

  /** User object: forgets sessions (revoked, expired, linked elsewhere): each only if its entry is still `seq`. */
  removeSessions(entries: readonly IndexKey[]): void {
    this.#role(USER_PREFIX);
    const kv = this.ctx.storage.kv;
    this.ctx.storage.transactionSync(() => {
      for (const { id, seq } of entries) if ((kv.get<IndexEntry>(ENTRY + id)?.seq ?? 0) === seq) kv.delete(ENTRY + id);
    });
  }

  /**
   * Deletes whatever has passed its deadline, times out lock waiters, asks the user's index about a lapsed
   * link, finishes a revocation's index step, and sets the next alarm.
   */
  override async alarm(): Promise<void> {
    const now = this.clock();
    const kv = this.ctx.storage.kv;
    const due = this.ctx.storage.transactionSync(() => {
      if (!this.#record(now)) kv.delete(REC);
      if (!this.#tombstone(now)) kv.delete(TOMB);
      if ((kv.get<Lock>(LOCK)?.until ?? Infinity) <= now) kv.delete(LOCK);
      const link = kv.get<Link>(LINK);
      const tomb = kv.get<Tombstone>(TOMB);
      return {
        lapsed: link && linkDeadline(link) <= now ? link : undefined,
        unindex: tomb?.link && tomb.unindexAt !== undefined && tomb.unindexAt <= now ? tomb.link : undefined,
      };
    });
    this.#grantNext(now);
    if (due.unindex) await this.#unindex(due.unindex, now);
    if (due.lapsed) await this.#lapse(due.lapsed, now);
    if (this.waiting.length === 0 && [...kv.list({ limit: 1 })].length === 0) {
      await this.ctx.storage.deleteAll(); // nothing left: the object costs nothing until used again
      return;
    }
    await this.#schedule(true);
  }

  #role(prefix: string): void {
    // Role by name: a stub made with idFromString (no name) or the other prefix cannot be misused.
    if (!this.ctx.id.name?.startsWith(prefix)) throw new SessionConfigError(`this method needs an object named ${prefix}...`);
  }

  #entries(): (IndexedSession & { cookie: boolean })[] {
    const now = this.clock();
    return [...this.ctx.storage.kv.list<IndexEntry>({ prefix: ENTRY })].map(([key, entry]) => {
      // Checks carry the link forward (used.until): it must be revoked for at least as long.
      const ttlLeft = Math.max(0, Math.ceil((Math.max(entry.expiresAt ?? 0, entry.used?.until ?? 0) - now) / 1000));
      return {
        id: key.slice(ENTRY.length),
        seq: entry.seq ?? 0,
        pending: entry.confirmed === false && ttlLeft > 0,
        ttlLeft,
        ending: entry.ending === true,
        cookie: entry.cookie === true,
        ...(entry.used ? { used: entry.used } : {}),
      };
    });
  }

  /**
   * Ends indexed sessions inside the caller's transaction: a cookie session's entry goes (its cookies are
   * refused from the next check on), any other is marked ending until its object confirms the revocation.
   */
  #end(entries: readonly (IndexedSession & { cookie: boolean })[]): { dropped: string[]; revoke: IndexedSession[] } {
    const kv = this.ctx.storage.kv;
    const dropped: string[] = [];
    const revoke: IndexedSession[] = [];
    for (const { cookie, ...entry } of entries) {
      if (cookie && !entry.ending) {
        kv.delete(ENTRY + entry.id);
        dropped.push(entry.id);
      } else {
        const stored = kv.get<IndexEntry>(ENTRY + entry.id);
        if (stored && !stored.ending) kv.put<IndexEntry>(ENTRY + entry.id, { ...stored, ending: true });
        revoke.push({ ...entry, ending: true });
      }
    }
    return { dropped, revoke };
  }

  /** revoke()'s step, inside the caller's transaction. */
  #revoke(now: number, ttl: number, ifUser?: string): RevokeResult {
    const kv = this.ctx.storage.kv;
    const record = kv.get<StoredRecord>(REC);
    const stored = kv.get<Link>(LINK);
    const tomb = kv.get<Tombstone>(TOMB);
    const ended = tomb && tomb.until > now ? tomb : undefined;
    const already = ended !== undefined;
    // A retry after a failed index removal finds the link in the tombstone.
    const link = stored ? { userId: stored.userId, seq: stored.seq ?? 0 } : ended?.link;
    const live = this.#link(now);
    if (ifUser !== undefined && live && live.userId !== ifUser) return { revoked: false, link, live: true, already };
    const until = Math.max(
      now + ttl * 1000,
      record ? record.deadline + CLOCK_SKEW_MS : 0,
      stored ? stored.expiresAt + CLOCK_SKEW_MS : 0,
      tomb?.until ?? 0,
    );
    kv.delete(REC);
    kv.delete(LINK);
    kv.delete(LOCK);
    if (until > now) kv.put<Tombstone>(TOMB, link ? { until, link, unindexAt: now + UNINDEX_DELAY_MS } : { until });
    return { revoked: true, link, live: live !== undefined, already };
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
    if ((this.#releasedEarly.get(request.token) ?? 0) > now) return false; // its caller is gone
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

  /**
   * Frees the lock if `token` holds it, and withdraws a wait under `token`: its caller gave up (timed out). A
   * token that neither holds nor waits may still be on its way: it is refused for as long as a lease lasts.
   */
  #release(token: string): void {
    const kv = this.ctx.storage.kv;
    const now = this.clock();
    const held = kv.get<Lock>(LOCK)?.token === token;
    if (held) kv.delete(LOCK);
    const withdrawn = this.waiting.filter((w) => w.token === token);
    for (const waiter of withdrawn) waiter.grant(false);
    this.waiting = this.waiting.filter((w) => w.token !== token);
    for (const [early, until] of this.#releasedEarly) if (until <= now) this.#releasedEarly.delete(early);
    if (!held && !withdrawn.length) this.#releasedEarly.set(token, now + MAX_LEASE_MS);
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
    const link = kv.get<Link>(LINK);
    const tomb = kv.get<Tombstone>(TOMB);
    const deadlines = [
      kv.get<StoredRecord>(REC)?.expiresAt,
      tomb?.until,
      tomb?.unindexAt,
      kv.get<Lock>(LOCK)?.until,
      link && linkDeadline(link),
      ...this.waiting.map((w) => w.deadline),
    ].filter((t): t is number => t !== undefined);
    if (deadlines.length === 0) return;
    const at = Date.now() + Math.max(0, Math.min(...deadlines) - this.clock());
    const current = force ? null : await this.ctx.storage.getAlarm();
    // An earlier alarm finds nothing due and sets the next one: no alarm rewrite on every write.
    if (current === null || at < current) await this.ctx.storage.setAlarm(at);
  }

  /**
   * A link past its expiry: its user's index decides. An entry that revocation checks keep alive extends
   * the link as long; any other goes, then the link. If the user's object cannot be reached, the link stays
   * (lapsed: not listed, not linked for checks) and the index is asked again later, at growing intervals: a
   * link must not go while its entry may live, since revoking the session finds that entry through the link.
   */
  async #lapse(link: Link, now: number): Promise<void> {
    let until: number | undefined;
    try {
      const users = this.#users();
      if (users)
        until = await inTime(users.getByName(USER_PREFIX + link.userId).lapse(this.#sessionId(), link.seq ?? 0, now), CALL_TIMEOUT_MS);
    } catch {
      // Unreachable, reset or hanging: asked again later.
    }
    const kv = this.ctx.storage.kv;
    this.ctx.storage.transactionSync(() => {
      const current = kv.get<Link>(LINK);
      // Re-linked, written or revoked meanwhile: that call decided.
      if (!current || current.userId !== link.userId || current.seq !== link.seq || current.expiresAt > now) return;
      if (until === undefined) kv.put<Link>(LINK, { ...current, retryAt: now + Math.max(RETRY_MS, now - current.expiresAt) });
      else if (until > now) kv.put<Link>(LINK, { ...settled(current), expiresAt: until });
      else kv.delete(LINK);
    });
  }

  /** A revocation's index step, made again by the alarm: retried later if the user's object cannot be reached. */
  async #unindex(link: UserLink, now: number): Promise<void> {
    let done = false;
    try {
      const users = this.#users();
      if (users)
        await inTime(
          users.getByName(USER_PREFIX + link.userId).removeSessions([{ id: this.#sessionId(), seq: link.seq }]),
          CALL_TIMEOUT_MS,
        );
      done = true; // without a way to the index, the caller's own removal is all there is (as before)
    } catch {
      // Retried while the tombstone lasts.
    }
    const kv = this.ctx.storage.kv;
    this.ctx.storage.transactionSync(() => {
      const tomb = kv.get<Tombstone>(TOMB);
      if (!tomb || tomb.unindexAt === undefined) return;
      const { unindexAt: _, ...rest } = tomb;
      kv.put<Tombstone>(TOMB, done ? rest : { ...tomb, unindexAt: now + RETRY_MS });
    });
  }

  /**
   * This class's own namespace, for the calls an object makes to a user's object: the Worker's own export
   * (`ctx.exports.SessionObject`, where the runtime has it), else the binding in `env` that names this very
   * object (the Worker binds the namespace it uses). Undefined when there is neither.
   */
  #users(): DurableObjectNamespace<SessionObject> | undefined {
    const name = this.ctx.id.name!;
    const exported = (this.ctx.exports as Partial<Record<string, unknown>> | undefined)?.SessionObject;
    const candidates = [exported, ...Object.values((this.env ?? {}) as unknown as Record<string, unknown>)];
    // Tagged first: a method of any other binding (a service's RPC stub answers every name) is never called.
    return candidates.find(
      (candidate): candidate is DurableObjectNamespace<SessionObject> =>
        Object.prototype.toString.call(candidate) === "[object DurableObjectNamespace]" &&
        (candidate as DurableObjectNamespace).idFromName(name).equals(this.ctx.id) === true,
    );
  }

  #sessionId(): string {
    return this.ctx.id.name!.slice(SESSION_PREFIX.length);
  }
}

/** When the alarm next looks at a link: at its expiry, or at its retry once lapsed. */
function linkDeadline(link: Link): number {
  return Math.max(link.expiresAt, link.retryAt ?? 0);
}

/** The link without a pending retry: its expiry is known again. */
function settled({ retryAt: _, ...link }: Link): Link {
  return link;
}
