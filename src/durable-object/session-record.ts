import { CLOCK_SKEW_MS } from "../core/expiry.js";
import type { Snapshot, WriteRequest, WriteResult } from "../stores/versioned.js";
import type { DeviceTraits } from "../stores/device-traits.js";
import type { CheckResult, LinkRequest, LinkResult, RevokeResult, UserLink } from "./protocol.js";

/** The stored session: its value and version, and its deadlines. */
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
/** The session's link to its user. Times in ms since epoch: the device list's unit. */
export interface Link {
  userId: string;
  device: string;
  created: number;
  lastUsed: number;
  expiresAt: number;
  /** The user index entry it belongs to (absent in links written by 0.1, before entries had one: 0). */
  seq?: number;
  /** Lapsed, and its user's index could not be asked whether it keeps the link: asked again then (ms). */
  retryAt?: number | undefined;
  /** As last reported by the link or a write (absent in links written before traits were: not known). */
  traits?: DeviceTraits | undefined;
}

/** A live link as `SessionObject.info` answers it. */
export type LinkInfo = Pick<Link, "userId" | "device" | "created" | "lastUsed" | "traits">;

const REC = "rec";
const TOMB = "tomb";
const LINK = "link";
/** How long after a revocation its alarm makes sure the user's index entry went (the caller removes it first). */
const UNINDEX_DELAY_MS = 10_000;
/** How long the alarm waits before asking a user's object again when it could not be reached. */
const RETRY_MS = 60_000;

/**
 * The stored session of a session object (`s:<key>`): its record (value, version), its tombstone once
 * ended, and its link to a user. Each method is one step of the object's storage transaction of the moment
 * (the object wraps them), at `now` on the object's clock.
 *
 * @example
 * ```ts
 * const record = new SessionRecord(() => ctx.storage.kv);
 * const snapshot = ctx.storage.transactionSync(() => record.read(Date.now()));
 * ```
 */
export class SessionRecord {
  readonly #kv: () => SyncKvStorage;

  /** `kv`: the object's storage at the moment. */
  constructor(kv: () => SyncKvStorage) {
    this.#kv = kv;
  }

  /** What a read finds: live, missing (never written, or expired) or revoked. */
  read(now: number): Snapshot {
    if (this.#tombstone(now)) return { state: "revoked" };
    const record = this.#record(now);
    return record ? { state: "live", value: record.value, version: record.version } : { state: "missing" };
  }

  /** A versioned write's step (compare-and-swap); the link follows the new deadline. */
  write(request: WriteRequest, now: number): WriteResult {
    const kv = this.#kv();
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
      const traits = request.traits ?? link.traits;
      kv.put<Link>(LINK, {
        ...settled(link),
        lastUsed: Number.isSafeInteger(lastUsed) ? lastUsed! * 1000 : now,
        expiresAt: deadline,
        ...(traits ? { traits } : {}),
      });
    }
    return { ok: true, version };
  }

  /**
   * Ends the session (see `SessionObject.revoke`): the record and link go, a tombstone stays. The caller drops
   * the lock when `revoked`.
   */
  revoke(now: number, ttl: number, ifUser?: string): RevokeResult {
    const kv = this.#kv();
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
    if (until > now) kv.put<Tombstone>(TOMB, link ? { until, link, unindexAt: now + UNINDEX_DELAY_MS } : { until });
    return { revoked: true, link, live: live !== undefined, already };
  }

  /** Whether the session is live: neither ended nor expired. */
  live(now: number): boolean {
    return !this.#tombstone(now) && this.#record(now) !== undefined;
  }

  /** The cookie-mode revocation check. */
  check(now: number): CheckResult {
    const revoked = this.#tombstone(now) !== undefined;
    const link = revoked ? undefined : this.#link(now);
    return link ? { revoked, linked: true, userId: link.userId } : { revoked, linked: false };
  }

  /** Links the session to a user (already checked), unless it was revoked. */
  link({ userId, device, created, lastUsed, ttl, seq, traits }: LinkRequest, now: number): LinkResult {
    const kv = this.#kv();
    if (this.#tombstone(now)) return { linked: false };
    const old = kv.get<Link>(LINK);
    const previous: UserLink | undefined = old && old.userId !== userId ? { userId: old.userId, seq: old.seq ?? 0 } : undefined;
    const expiresAt = Math.max(now + ttl * 1000, this.#record(now)?.deadline ?? 0);
    kv.put<Link>(LINK, { userId, device, created, lastUsed, expiresAt, seq, ...(traits ? { traits } : {}) });
    return { linked: true, previous };
  }

  /** The device entry, or null when no longer live; `keptUntil`: see `SessionObject.info`. */
  info(now: number, keptUntil?: number): LinkInfo | null {
    const link = this.#kv().get<Link>(LINK);
    if (!link || this.#tombstone(now) || Math.max(link.expiresAt, keptUntil ?? 0) <= now) return null;
    const { userId, device, created, lastUsed, traits } = link;
    return { userId, device, created, lastUsed, ...(traits ? { traits } : {}) };
  }

  /**
   * The alarm's step: deletes what has passed, and answers what needs a user's object: a lapsed link (its
   * index decides, see {@link SessionRecord.lapsed}) and a revocation's index step due again.
   */
  expire(now: number): { lapsed: Link | undefined; unindex: UserLink | undefined } {
    const kv = this.#kv();
    if (!this.#record(now)) kv.delete(REC);
    if (!this.#tombstone(now)) kv.delete(TOMB);
    const link = kv.get<Link>(LINK);
    const tomb = kv.get<Tombstone>(TOMB);
    return {
      lapsed: link && linkDeadline(link) <= now ? link : undefined,
      unindex: tomb?.link && tomb.unindexAt !== undefined && tomb.unindexAt <= now ? tomb.link : undefined,
    };
  }

  /**
   * What the user's index answered for `link`, lapsed at `now`: until when an entry kept alive by checks
   * extends it, 0 (the link goes), or undefined (not reached: asked again later, at growing intervals).
   */
  lapsed(link: Link, now: number, until: number | undefined): void {
    const kv = this.#kv();
    const current = kv.get<Link>(LINK);
    // Re-linked, written or revoked meanwhile: that call decided.
    if (!current || current.userId !== link.userId || current.seq !== link.seq || current.expiresAt > now) return;
    if (until === undefined) kv.put<Link>(LINK, { ...current, retryAt: now + Math.max(RETRY_MS, now - current.expiresAt) });
    else if (until > now) kv.put<Link>(LINK, { ...settled(current), expiresAt: until });
    else kv.delete(LINK);
  }

  /** The revocation's index step was made again (`done`), or is retried later. */
  unindexed(now: number, done: boolean): void {
    const kv = this.#kv();
    const tomb = kv.get<Tombstone>(TOMB);
    if (!tomb || tomb.unindexAt === undefined) return;
    const { unindexAt: _, ...rest } = tomb;
    kv.put<Tombstone>(TOMB, done ? rest : { ...tomb, unindexAt: now + RETRY_MS });
  }

  /** When the alarm must look at the record: its end, the tombstone's, its index step, the link's. */
  deadlines(): (number | undefined)[] {
    const kv = this.#kv();
    const link = kv.get<Link>(LINK);
    const tomb = kv.get<Tombstone>(TOMB);
    return [kv.get<StoredRecord>(REC)?.expiresAt, tomb?.until, tomb?.unindexAt, link && linkDeadline(link)];
  }

  #tombstone(now: number): Tombstone | undefined {
    const tomb = this.#kv().get<Tombstone>(TOMB);
    return tomb && tomb.until > now ? tomb : undefined;
  }

  #record(now: number): StoredRecord | undefined {
    const record = this.#kv().get<StoredRecord>(REC);
    return record && record.expiresAt > now ? record : undefined;
  }

  #link(now: number): Link | undefined {
    const link = this.#kv().get<Link>(LINK);
    return link && link.expiresAt > now ? link : undefined;
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
