import type { DeviceLimit, Indexed, IndexedSession, IndexKey, RevokeAllResult, SessionUse, UserCheck } from "./protocol.js";

/**
 * One indexed session, stored under `d:<sessionId>`. The user object also stores the last entry number under
 * `seq`, and the revocation generation under `gen` (bumped by every revokeAllSessions): cookies of this
 * user's sessions seal the generation they were confirmed under, so one bump ends them all.
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
   * the entry): the link's expiry alone decides.
   */
  used?: SessionUse;
}

type Listed = IndexedSession & { cookie: boolean };

const ENTRY = "d:";
const SEQ = "seq";
const GEN = "gen";

/**
 * The index of one user's sessions, kept by the user's object (`u:<userId>`). Each method is one storage
 * transaction of that object, with arguments the object has checked; `clock` is the object's.
 *
 * @example
 * ```ts
 * const index = new UserIndex(() => ctx.storage, () => Date.now());
 * const { seq, generation } = index.add(sessionId, 3600);
 * ```
 */
export class UserIndex {
  readonly #storage: () => DurableObjectStorage;
  readonly #clock: () => number;

  /** `storage`: the object's at the moment; `clock`: the object's, which tests move. */
  constructor(storage: () => DurableObjectStorage, clock: () => number) {
    this.#storage = storage;
    this.#clock = clock;
  }

  /** Indexes a session as pending; with a limit, refuses it or ends the oldest to make room (see `SessionObject.addSession`). */
  add(id: string, ttl: number, limit?: DeviceLimit): Indexed {
    const kv = this.#storage().kv;
    // One transaction of one object: concurrent logins of the user are counted one after the other, so no
    // more than `max` entries are ever indexed (pending ones included).
    return this.#storage().transactionSync((): Indexed => {
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
      kv.put<IndexEntry>(ENTRY + id, { seq, confirmed: false, expiresAt: this.#clock() + ttl * 1000 });
      return { seq, generation, ...(evicted.length ? { evicted } : {}), ...(dropped.length ? { dropped } : {}) };
    });
  }

  /** Confirms entry `seq` unless a revokeAllSessions ran since `generation` (see `SessionObject.confirmSession`). */
  confirm(id: string, seq: number, generation: number): boolean {
    const kv = this.#storage().kv;
    return this.#storage().transactionSync(() => {
      const entry = kv.get<IndexEntry>(ENTRY + id);
      if ((kv.get<number>(GEN) ?? 0) !== generation || !entry || entry.ending) return false;
      // A newer linkSession of the same session re-indexed it meanwhile: that one confirms its own entry.
      if (entry.seq === seq) kv.put<IndexEntry>(ENTRY + id, { ...entry, confirmed: true });
      return true;
    });
  }

  /** The sessions indexed for this user. */
  sessions(): IndexedSession[] {
    return this.#entries().map(({ cookie: _, ...entry }) => entry);
  }

  /** revokeAllSessions' step (see `SessionObject.revokeAll`). */
  revokeAll(except: readonly string[]): RevokeAllResult {
    const kv = this.#storage().kv;
    const keep = new Set(except);
    return this.#storage().transactionSync((): RevokeAllResult => {
      kv.put(GEN, (kv.get<number>(GEN) ?? 0) + 1);
      const targets = this.#entries().filter(({ id }) => !keep.has(id));
      const { dropped, revoke } = this.#end(targets);
      const listed = new Set(targets.filter((entry) => !entry.pending).map(({ id }) => id));
      return { ended: dropped.filter((id) => listed.has(id)).length, dropped, revoke };
    });
  }

  /** A cookie-mode revocation check of one session (see `SessionObject.checkSession`). */
  check(id: string, generation: number | undefined, use: SessionUse): UserCheck {
    const kv = this.#storage().kv;
    return this.#storage().transactionSync((): UserCheck => {
      const current = kv.get<number>(GEN) ?? 0;
      const entry = kv.get<IndexEntry>(ENTRY + id);
      if (entry && !entry.ending) {
        // Never moved back: checks of several isolates may land out of order.
        // The traits of the latest use: a late check of an older cookie must not undo a newer one's.
        const traits = use.lastUsed >= (entry.used?.lastUsed ?? 0) ? (use.traits ?? entry.used?.traits) : entry.used?.traits;
        const used: SessionUse = {
          lastUsed: Math.max(use.lastUsed, entry.used?.lastUsed ?? 0),
          until: Math.max(use.until, entry.used?.until ?? 0),
          ...(traits ? { traits } : {}),
        };
        kv.put<IndexEntry>(ENTRY + id, { ...entry, cookie: true, used });
        return { state: "live", generation: current };
      }
      if (generation === undefined || generation < current) return { state: "revoked" };
      return { state: "unknown" };
    });
  }

  /** The session object's link of entry `seq` lapsed at `now` (see `SessionObject.lapse`). */
  lapse(id: string, seq: number, now: number): number {
    const kv = this.#storage().kv;
    return this.#storage().transactionSync(() => {
      const entry = kv.get<IndexEntry>(ENTRY + id);
      if (!entry || (entry.seq ?? 0) !== seq) return 0; // re-indexed since: that entry has a link of its own
      if (!entry.ending && entry.used && entry.used.until > now) return entry.used.until;
      kv.delete(ENTRY + id);
      return 0;
    });
  }

  /** Forgets sessions, each only if its entry is still `seq`. */
  remove(entries: readonly IndexKey[]): void {
    const kv = this.#storage().kv;
    this.#storage().transactionSync(() => {
      for (const { id, seq } of entries) if ((kv.get<IndexEntry>(ENTRY + id)?.seq ?? 0) === seq) kv.delete(ENTRY + id);
    });
  }

  #entries(): Listed[] {
    const now = this.#clock();
    return [...this.#storage().kv.list<IndexEntry>({ prefix: ENTRY })].map(([key, entry]) => {
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
  #end(entries: readonly Listed[]): { dropped: string[]; revoke: IndexedSession[] } {
    const kv = this.#storage().kv;
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
}
