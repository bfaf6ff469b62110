import { DurableObject } from "cloudflare:workers";
import { inTime } from "../stores/guarded-store.js";
import {
  CALL_TIMEOUT_MS,
  isLimit,
  isTime,
  SESSION_PREFIX,
  USER_PREFIX,
  type CheckResult,
  type DeviceLimit,
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
import { isLockRequest, isTtl, type LockRequest, type Snapshot, type WriteRequest, type WriteResult } from "../stores/versioned.js";
import { ownNamespace } from "./own-namespace.js";
import { SessionLock, type Waiter } from "./session-lock.js";
import { SessionRecord, type Link, type LinkInfo } from "./session-record.js";
import { isTraits } from "../stores/device-traits.js";
import { UserIndex } from "./user-index.js";

/**
 * The Durable Object behind `DurableObjectStore`, bound once in wrangler.toml. Each object is one stored
 * session key (`s:<key>`: its `SessionRecord` and `SessionLock`) or one user (`u:<id>`: its
 * `UserIndex`). An object runs one method at a time between awaits and every state change below is one
 * synchronous storage transaction: a version check and its write can never interleave with another request,
 * and a reset object either committed a write or did not.
 *
 * Arguments are checked here again (the store and the per-user helpers check them first and throw typed
 * errors): a bad one is a `TypeError`, which reaches an RPC caller as one.
 *
 * Expiry needs no cron: the object sets an alarm for its earliest deadline (record, tombstone, lock, link,
 * lock waiter) and deletes what has passed when it fires.
 */
export class SessionObject extends DurableObject {
  /** @internal The object's clock. Tests move it (through `runInDurableObject`) instead of sleeping. */
  clock: () => number = Date.now;
  readonly #now = (): number => this.clock();
  // The parts read the clock and storage of the moment (`ctx` on every call): tests move one, swap the other.
  readonly #record = new SessionRecord(() => this.ctx.storage.kv);
  readonly #lock = new SessionLock(() => this.ctx.storage.kv, this.#now);
  readonly #index = new UserIndex(() => this.ctx.storage, this.#now);

  /** @internal Requests waiting for the lock, in arrival order. In memory: a reset object fails their calls. */
  get waiting(): readonly Waiter[] {
    return this.#lock.waiting;
  }

  /** Reads the session, first taking the lock when asked (waiting up to `lock.waitMs`). */
  async read(lock?: LockRequest): Promise<Snapshot> {
    this.#role(SESSION_PREFIX);
    if (lock !== undefined && !isLockRequest(lock)) throw new TypeError("lock lease or wait out of bounds");
    if (lock) {
      const taken = this.#lock.take(lock, this.clock());
      if (taken !== false) await this.#schedule();
      if (!(await taken)) return { state: "lock-timeout" };
    }
    return this.#record.read(this.clock());
  }

  /** Writes the value if the stored version is still `expected` (compare-and-swap), in one transaction. */
  async write(request: WriteRequest): Promise<WriteResult> {
    this.#role(SESSION_PREFIX);
    if (
      typeof request.value !== "string" ||
      !isTtl(request.ttl) ||
      !isTtl(request.keep ?? 0) ||
      !isTtl(request.ttl + (request.keep ?? 0)) ||
      (request.traits !== undefined && !isTraits(request.traits))
    ) {
      throw new TypeError("write needs a string value, ttl/keep within bounds and well-formed traits");
    }
    const now = this.clock();
    const result = this.ctx.storage.transactionSync(() => {
      const written = this.#record.write(request, now);
      if (request.release !== undefined) this.#lock.release(request.release);
      return written;
    });
    return this.#settle(now, result);
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
    if (!isTtl(ttl)) throw new TypeError("revoke ttl out of bounds");
    const now = this.clock();
    const result = this.ctx.storage.transactionSync(() => this.#end(now, ttl, ifUser));
    return this.#settle(now, result); // waiters get the lock and read "revoked" at once
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
      if (!this.#record.live(now)) return { live: false as const };
      return { live: true as const, link: this.#end(now, 0).link };
    });
    return this.#settle(now, result);
  }

  /**
   * Releases the lock if `token` still holds it (an expired lease may already belong to another request), or
   * withdraws the wait of a caller that gave up: the lock must not pass to a request that is gone.
   */
  async release(token: string): Promise<void> {
    this.#role(SESSION_PREFIX);
    this.#lock.release(token);
    await this.#settle(this.clock(), undefined);
  }

  /** Cookie-mode revocation check of a session's own object: one read. */
  async check(): Promise<CheckResult> {
    this.#role(SESSION_PREFIX);
    return this.#record.check(this.clock());
  }

  /**
   * Links the session to a user (at login). Refused (`linked: false`) when the session was revoked. A link
   * to another user is replaced, and returned as `previous`: its index entry must go.
   */
  async link(request: LinkRequest): Promise<LinkResult> {
    this.#role(SESSION_PREFIX);
    const { userId, device, created, lastUsed, ttl, seq, traits } = request;
    if (
      !isTtl(ttl, 1) ||
      (traits !== undefined && !isTraits(traits)) ||
      !isTime(created) ||
      !isTime(lastUsed) ||
      !Number.isSafeInteger(seq) ||
      typeof userId !== "string" ||
      typeof device !== "string"
    ) {
      throw new TypeError("link request out of bounds");
    }
    const result = this.#record.link(request, this.clock());
    if (result.linked) await this.#schedule();
    return result;
  }

  /**
   * The session's device entry, or null when it is no longer live (expired or revoked). `keptUntil`: how long
   * its user's index keeps the link alive (ms; revocation checks move it, see SessionUse), which counts even
   * when the link's own expiry has passed and its alarm has not yet asked the index.
   */
  info(keptUntil?: number): LinkInfo | null {
    this.#role(SESSION_PREFIX);
    if (keptUntil !== undefined && !isTime(keptUntil)) throw new TypeError("keptUntil must be a time in ms since epoch");
    return this.#record.info(this.clock(), keptUntil);
  }

  /**
   * User object: indexes a session (linkSession's first step, before the session object is linked), as
   * pending until confirmed. Answers the entry's number and the current revocation generation.
   */
  addSession(id: string, ttl: number, limit?: DeviceLimit): Indexed {
    this.#role(USER_PREFIX);
    if (!isTtl(ttl, 1)) throw new TypeError("index ttl out of bounds");
    if (limit !== undefined && !isLimit(limit)) throw new TypeError("device limit out of bounds");
    return this.#index.add(id, ttl, limit);
  }

  /**
   * User object: linkSession's last step. True when no revokeAllSessions started since the session was
   * indexed (`generation`) and its entry is still there: then the entry is confirmed. False means the
   * caller must revoke the session it linked.
   */
  confirmSession(id: string, seq: number, generation: number): boolean {
    this.#role(USER_PREFIX);
    return this.#index.confirm(id, seq, generation);
  }

  /** User object: the sessions indexed for this user. */
  sessions(): IndexedSession[] {
    this.#role(USER_PREFIX);
    return this.#index.sessions();
  }

  /**
   * User object: revokeAllSessions, in one transaction. Bumps the revocation generation (every cookie sealed
   * under an older one is refused at its next check, and a linkSession that indexed a session before this
   * cannot confirm it any more), drops the entries of cookie sessions (that ends them), and marks the others
   * ending: their objects must be revoked by the caller. Sessions in `except` stay, under the new generation.
   */
  revokeAll(except: readonly string[]): RevokeAllResult {
    this.#role(USER_PREFIX);
    if (!Array.isArray(except) || except.some((id) => typeof id !== "string")) throw new TypeError("except must be session ids");
    return this.#index.revokeAll(except);
  }

  /**
   * User object: cookie mode's revocation check of one of this user's sessions: live, revoked or unknown.
   * `generation` is the one the cookie sealed; without it, the session's own object named this user. The
   * first live answer marks the entry as a cookie session's, which revokeAll then ends in its own step; every
   * live answer records `use` (the device list's lastUsed, and how long the entry and its link live).
   */
  checkSession(id: string, generation: number | undefined, use: SessionUse): UserCheck {
    this.#role(USER_PREFIX);
    if (typeof id !== "string" || (generation !== undefined && !(Number.isSafeInteger(generation) && generation >= 0))) {
      throw new TypeError("check needs a session id and a generation");
    }
    if (
      typeof use !== "object" ||
      use === null ||
      !isTime(use.lastUsed) ||
      !isTime(use.until) ||
      (use.traits !== undefined && !isTraits(use.traits))
    ) {
      throw new TypeError("use needs lastUsed and until in ms since epoch, and well-formed traits");
    }
    return this.#index.check(id, generation, use);
  }

  /**
   * User object: the session object's link of entry `seq` lapsed at `now` (that object's clock). An entry
   * that revocation checks keep alive past `now` stays, and answers until when (the link then lives as long);
   * any other entry of that link goes, and the answer is 0.
   */
  lapse(id: string, seq: number, now: number): number {
    this.#role(USER_PREFIX);
    if (typeof id !== "string" || !Number.isSafeInteger(seq) || !isTime(now)) {
      throw new TypeError("lapse needs a session id, an entry number and a time");
    }
    return this.#index.lapse(id, seq, now);
  }

  /** User object: forgets sessions (revoked, expired, linked elsewhere): each only if its entry is still `seq`. */
  removeSessions(entries: readonly IndexKey[]): void {
    this.#role(USER_PREFIX);
    this.#index.remove(entries);
  }

  /**
   * Deletes whatever has passed its deadline, times out lock waiters, asks the user's index about a lapsed
   * link, finishes a revocation's index step, and sets the next alarm.
   */
  override async alarm(): Promise<void> {
    const now = this.clock();
    const due = this.ctx.storage.transactionSync(() => {
      this.#lock.expire(now);
      return this.#record.expire(now);
    });
    this.#lock.grantNext(now);
    if (due.unindex) await this.#unindex(due.unindex, now);
    if (due.lapsed) await this.#lapse(due.lapsed, now);
    if (this.#lock.waiting.length === 0 && [...this.ctx.storage.kv.list({ limit: 1 })].length === 0) {
      await this.ctx.storage.deleteAll(); // nothing left: the object costs nothing until used again
      return;
    }
    await this.#schedule(true);
  }

  #role(prefix: string): void {
    // Role by name: a stub made with idFromString (no name) or the other prefix cannot be misused.
    if (!this.ctx.id.name?.startsWith(prefix)) throw new TypeError(`this method needs an object named ${prefix}...`);
  }

  /** revoke()'s step, inside the caller's transaction: the record ends, and with it the lock. */
  #end(now: number, ttl: number, ifUser?: string): RevokeResult {
    const result = this.#record.revoke(now, ttl, ifUser);
    if (result.revoked) this.#lock.drop();
    return result;
  }

  /** After a change of the session: the lock passes on if it is free, and the alarm follows. */
  async #settle<T>(now: number, result: T): Promise<T> {
    this.#lock.grantNext(now);
    await this.#schedule();
    return result;
  }

  /**
   * Sets the alarm for the earliest deadline, converting from the object's clock to real time. `force`:
   * from the alarm handler, where the alarm that is running must not be mistaken for the next one.
   */
  async #schedule(force = false): Promise<void> {
    const deadlines = [...this.#record.deadlines(), ...this.#lock.deadlines()].filter((t): t is number => t !== undefined);
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
      const user = this.#user(link.userId);
      if (user) until = await inTime(user.lapse(this.#sessionId(), link.seq ?? 0, now), CALL_TIMEOUT_MS);
    } catch {
      // Unreachable, reset or hanging: asked again later.
    }
    this.ctx.storage.transactionSync(() => this.#record.lapsed(link, now, until));
  }

  /** A revocation's index step, made again by the alarm: retried later if the user's object cannot be reached. */
  async #unindex(link: UserLink, now: number): Promise<void> {
    let done = false;
    try {
      const user = this.#user(link.userId);
      if (user) await inTime(user.removeSessions([{ id: this.#sessionId(), seq: link.seq }]), CALL_TIMEOUT_MS);
      done = true; // without a way to the index, the caller's own removal is all there is (as before)
    } catch {
      // Retried while the tombstone lasts.
    }
    this.ctx.storage.transactionSync(() => this.#record.unindexed(now, done));
  }

  /** The user's object, through this class's own namespace (undefined when there is none), for the alarm's calls. */
  #user(userId: string): DurableObjectStub<SessionObject> | undefined {
    return ownNamespace<SessionObject>(this.ctx, this.env, "SessionObject")?.getByName(USER_PREFIX + userId);
  }

  #sessionId(): string {
    return this.ctx.id.name!.slice(SESSION_PREFIX.length);
  }
}
