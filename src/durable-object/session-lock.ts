import { MAX_LEASE_MS, type LockRequest } from "../stores/versioned.js";

/** A request waiting for the lock: told `true` when it gets it, `false` when its wait ends first. */
export interface Waiter extends LockRequest {
  deadline: number;
  grant: (granted: boolean) => void;
}

interface Held {
  token: string;
  until: number;
}

const LOCK = "lock";

/**
 * Exclusive mode's lock of one session object: the holder in storage (a lease that ends on its own), the
 * waiters in memory, in arrival order (a reset object fails their calls). Its methods never await: the object
 * calls them between its own awaits (in its write's transaction where there is one), so a grant never
 * interleaves with the write it guards.
 *
 * @example
 * ```ts
 * const lock = new SessionLock(() => ctx.storage.kv, () => Date.now());
 * if (lock.take({ token, leaseMs: 10_000, waitMs: 0 }, Date.now()) === true) {
 *   // this request holds the session until lock.release(token)
 * }
 * ```
 */
export class SessionLock {
  /** Requests waiting for the lock, in arrival order. */
  waiting: Waiter[] = [];
  /**
   * Tokens released before their lock request arrived (the caller gave up and its end released first), with
   * until when they are refused: such a late request must not take the lock for a whole lease. In memory: a
   * reset object's late requests are refused anyway (their calls fail).
   */
  #releasedEarly = new Map<string, number>();

  readonly #kv: () => SyncKvStorage;
  readonly #clock: () => number;

  /** `kv`: the object's storage at the moment; `clock`: the object's, which tests move. */
  constructor(kv: () => SyncKvStorage, clock: () => number) {
    this.#kv = kv;
    this.#clock = clock;
  }

  /**
   * Takes the lock for `request` at `now` if it is free (or already its own): `true`; refused at once:
   * `false`; else a promise of the answer once it is granted or its wait ends.
   */
  take(request: LockRequest, now: number): boolean | Promise<boolean> {
    if ((this.#releasedEarly.get(request.token) ?? 0) > now) return false; // its caller is gone
    const lock = this.#kv().get<Held>(LOCK);
    if (!lock || lock.until <= now || lock.token === request.token) {
      this.#kv().put<Held>(LOCK, { token: request.token, until: now + request.leaseMs });
      return true;
    }
    if (request.waitMs <= 0) return false;
    return new Promise<boolean>((grant) => {
      this.waiting.push({ ...request, deadline: now + request.waitMs, grant });
    });
  }

  /**
   * Frees the lock if `token` holds it, and withdraws a wait under `token`: its caller gave up (timed out). A
   * token that neither holds nor waits may still be on its way: it is refused for as long as a lease lasts.
   */
  release(token: string): void {
    const now = this.#clock();
    const held = this.#kv().get<Held>(LOCK)?.token === token;
    if (held) this.#kv().delete(LOCK);
    const withdrawn = this.waiting.filter((w) => w.token === token);
    for (const waiter of withdrawn) waiter.grant(false);
    this.waiting = this.waiting.filter((w) => w.token !== token);
    for (const [early, until] of this.#releasedEarly) if (until <= now) this.#releasedEarly.delete(early);
    if (!held && !withdrawn.length) this.#releasedEarly.set(token, now + MAX_LEASE_MS);
  }

  /** The session ended: nobody holds it (waiters are granted it next and read that it ended). */
  drop(): void {
    this.#kv().delete(LOCK);
  }

  /** Deletes a lease that has passed (the alarm). */
  expire(now: number): void {
    if ((this.#kv().get<Held>(LOCK)?.until ?? Infinity) <= now) this.#kv().delete(LOCK);
  }

  /** Hands a free lock to the longest-waiting request; waiters past their deadline are told no. */
  grantNext(now: number): void {
    for (const waiter of this.waiting.filter((w) => w.deadline <= now)) waiter.grant(false);
    this.waiting = this.waiting.filter((w) => w.deadline > now);
    const lock = this.#kv().get<Held>(LOCK);
    if (lock && lock.until > now) return;
    const next = this.waiting.shift();
    if (next) this.#kv().put<Held>(LOCK, { token: next.token, until: now + next.leaseMs });
    else if (lock) this.#kv().delete(LOCK);
    next?.grant(true);
  }

  /** When the alarm must look at the lock: its lease's end and each wait's. */
  deadlines(): (number | undefined)[] {
    return [this.#kv().get<Held>(LOCK)?.until, ...this.waiting.map((w) => w.deadline)];
  }
}
