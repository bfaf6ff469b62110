/**
 * Fault doubles driven by a schedule, for the adversarial suites (test/stores.ts has the hand-driven ones):
 * - `ScheduledStore`: every call of a SessionStore draws its fate from a seeded random schedule: succeed,
 *   throw, land then throw, hang forever, land late (after the caller's timeout), or, for reads, return a
 *   stale value as Workers KV's eventual consistency can.
 * - `faultyKV`: the same over a KV namespace binding, so that KVStore's own code runs under the faults.
 * - `faultyObjects`: the same over the SessionObject namespace binding (the library's DurableObjectStore and
 *   revocation checks in the path), plus "reset": the call fails as workerd fails calls to an object reset
 *   mid-request (its in-memory state gone), having committed or not.
 * - `LaggingStore`: a replica that serves a frozen snapshot until told to catch up (another location's
 *   view of KV during the up to 60 s a change takes to propagate).
 */
import type { SessionStore, StoreKey, StoreListOptions, StoreSetOptions } from "../src/index.js";

/** What happens to one store call. */
export type Fate = "ok" | "throw" | "land-then-throw" | "hang" | "land-late" | "stale" | "reset";

export interface Schedule {
  /** Chance (0..1) that a call is not "ok". */
  faultRate: number;
  /** The faults to draw from, equally likely. "stale" applies to reads only; other calls draw again. */
  faults: readonly Fate[];
  /** Milliseconds after which a "land-late" call applies (set it past the middleware's storeTimeout). */
  lateMs: number;
}

/** The error a scheduled fault rejects with; it holds nothing but this marker. */
export const SCHEDULED = "scheduled store failure";

/** mulberry32: a small seeded PRNG, so a failing schedule replays exactly from its seed. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Draws fates from a seeded schedule and keeps a log (operation, key, fate) for failure reports. */
export class FateDrawer {
  readonly log: { operation: string; key: string; fate: Fate }[] = [];
  readonly #next: () => number;
  constructor(
    seed: number,
    readonly schedule: Schedule,
  ) {
    this.#next = random(seed);
  }

  draw(operation: "get" | "set" | "delete", key: string): Fate {
    let fate: Fate = "ok";
    if (this.schedule.faults.length && this.#next() < this.schedule.faultRate) {
      const usable = this.schedule.faults.filter((f) => f !== "stale" || operation === "get");
      if (usable.length) fate = usable[Math.floor(this.#next() * usable.length)]!;
    }
    this.log.push({ operation, key, fate });
    if (fate === "hang" || fate === "land-late") for (const wake of this.#timers.splice(0)) wake();
    return fate;
  }

  readonly #timers: (() => void)[] = [];

  /** Resolves when a call is next given a fate that only time resolves ("hang", "land-late"). */
  needsTime(): Promise<void> {
    return new Promise((resolve) => this.#timers.push(resolve));
  }

  /** A uniformly drawn index below `n` (for picking a stale version). */
  pick(n: number): number {
    return Math.floor(this.#next() * n);
  }
}

/** Runs a write under its fate. */
function write<T = void>(fate: Fate, apply: () => Promise<T>, lateMs: number, committed = false): Promise<T> {
  switch (fate) {
    case "reset":
      // What workerd answers when the object was reset mid-call; the write may or may not have committed.
      return (committed ? apply() : Promise.resolve()).then(() => Promise.reject(objectReset()));
    case "throw":
      return Promise.reject(new Error(SCHEDULED));
    case "land-then-throw":
      return apply().then(() => Promise.reject(new Error(SCHEDULED)));
    case "hang":
      return new Promise<T>(() => {});
    case "land-late":
      return new Promise<T>((resolve, reject) => setTimeout(() => apply().then(resolve, reject), lateMs));
    default:
      return apply();
  }
}

/** The error workerd gives a caller whose Durable Object was reset during the call. */
function objectReset(): Error {
  return Object.assign(new Error("Internal error in Durable Object storage caused object to be reset."), { retryable: true });
}

/**
 * The SessionObject namespace binding with every stub call under the schedule: reads (read, check, info,
 * sessions, checkSession) draw "get" fates, writes (write, release, link, addSession, ...) "set", and
 * revoke/revokeAll/handOver "delete". A read that takes the lock draws a "get" fate but runs as a write: it can land
 * then throw, or commit before a reset. A "reset" fate fails the call as a reset object does, half the time after the
 * call committed (drawn from the schedule, so it replays). The object's own state stays the truth: read it
 * through `inner`.
 */
export function faultyObjects<N extends { getByName(name: string): unknown }>(inner: N, fates: FateDrawer): N {
  const reads = new Set(["read", "check", "info", "sessions", "checkSession"]);
  const deletes = new Set(["revoke", "revokeAll", "handOver"]);
  return {
    getByName(name: string) {
      const stub = inner.getByName(name) as Record<string, (...args: unknown[]) => Promise<unknown>>;
      return new Proxy(stub, {
        get(target, method: string) {
          return (...args: unknown[]) => {
            const call = () => target[method]!(...args);
            if (method === "read" && args[0] !== undefined) {
              // A read that takes the lock (exclusive mode) changes the object: like a write, it can land and
              // then fail, or commit before a reset.
              const fate = fates.draw("get", name);
              return write(fate, call, fates.schedule.lateMs, fate === "reset" && fates.pick(2) === 1);
            }
            if (reads.has(method)) {
              const fate = fates.draw("get", name);
              if (fate === "reset") return Promise.reject(objectReset());
              return write(fate === "land-then-throw" ? "throw" : fate, call, fates.schedule.lateMs);
            }
            const fate = fates.draw(deletes.has(method) ? "delete" : "set", name);
            return write(fate, call, fates.schedule.lateMs, fate === "reset" && fates.pick(2) === 1);
          };
        },
      });
    },
  } as N;
}

/**
 * A SessionStore whose calls follow a seeded fault schedule. `history` keeps every value each key has held
 * (null for a delete) so that a stale read can return any earlier one, or null for a key whose first write
 * has not reached "this location" yet.
 */
export class ScheduledStore implements SessionStore {
  readonly history = new Map<string, (string | null)[]>();
  constructor(
    readonly inner: SessionStore,
    readonly fates: FateDrawer,
  ) {}

  async get(key: string): Promise<string | null> {
    const fate = this.fates.draw("get", key);
    switch (fate) {
      case "throw":
      case "land-then-throw":
        throw new Error(SCHEDULED);
      case "hang":
        return new Promise<never>(() => {});
      case "stale": {
        const versions = this.history.get(key) ?? [];
        return versions.length <= 1 ? null : versions[this.fates.pick(versions.length - 1)]!;
      }
      case "land-late":
        return new Promise((resolve, reject) => setTimeout(() => this.inner.get(key).then(resolve, reject), this.fates.schedule.lateMs));
      default:
        return this.inner.get(key);
    }
  }

  set(key: string, value: string, options: StoreSetOptions): Promise<void> {
    return write(
      this.fates.draw("set", key),
      async () => {
        await this.inner.set(key, value, options);
        this.#remember(key, value);
      },
      this.fates.schedule.lateMs,
    );
  }

  delete(key: string): Promise<void> {
    return write(
      this.fates.draw("delete", key),
      async () => {
        await this.inner.delete(key);
        this.#remember(key, null);
      },
      this.fates.schedule.lateMs,
    );
  }

  list(options: StoreListOptions): Promise<{ keys: StoreKey[]; cursor?: string | undefined }> {
    return this.inner.list!(options);
  }

  #remember(key: string, value: string | null) {
    const versions = this.history.get(key) ?? [];
    versions.push(value);
    this.history.set(key, versions);
  }
}

/**
 * A KV namespace binding whose get/put/delete follow a fault schedule (list and getWithMetadata pass
 * through). Passed as `store:` or `overflow:`, it is wrapped by the library's own KVStore.
 */
export function faultyKV(inner: KVNamespace, fates: FateDrawer): KVNamespace {
  const history = new Map<string, (string | null)[]>();
  const remember = (key: string, value: string | null) => history.set(key, [...(history.get(key) ?? []), value]);
  const binding = {
    async get(key: string, type?: unknown) {
      const fate = fates.draw("get", key);
      if (fate === "throw" || fate === "land-then-throw") throw new Error(SCHEDULED);
      if (fate === "hang") return new Promise<never>(() => {});
      if (fate === "stale") {
        const versions = history.get(key) ?? [];
        return versions.length <= 1 ? null : versions[fates.pick(versions.length - 1)]!;
      }
      return inner.get(key, type as "text");
    },
    put(key: string, value: string, options?: KVNamespacePutOptions) {
      return write(
        fates.draw("set", key),
        async () => {
          await inner.put(key, value, options);
          remember(key, value);
        },
        fates.schedule.lateMs,
      );
    },
    delete(key: string) {
      return write(
        fates.draw("delete", key),
        async () => {
          await inner.delete(key);
          remember(key, null);
        },
        fates.schedule.lateMs,
      );
    },
    list: (options?: KVNamespaceListOptions) => inner.list(options),
    getWithMetadata: (key: string, type?: unknown) => inner.getWithMetadata(key, type as "text"),
  };
  return binding as unknown as KVNamespace;
}

/**
 * Another location's view of a store: after `lag()`, reads return what the store held at that moment
 * (writes still go through to the real store) until `catchUp()`. Models KV's propagation delay.
 */
export class LaggingStore implements SessionStore {
  #snapshot: Map<string, string | null> | undefined;
  constructor(readonly inner: SessionStore & { list: NonNullable<SessionStore["list"]> }) {}

  async lag(): Promise<void> {
    const snapshot = new Map<string, string | null>();
    for (const { name } of (await this.inner.list({})).keys) snapshot.set(name, await this.inner.get(name));
    this.#snapshot = snapshot;
  }

  catchUp(): void {
    this.#snapshot = undefined;
  }

  async get(key: string): Promise<string | null> {
    return this.#snapshot ? (this.#snapshot.get(key) ?? null) : this.inner.get(key);
  }

  set(key: string, value: string, options: StoreSetOptions): Promise<void> {
    return this.inner.set(key, value, options);
  }

  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }

  list(options: StoreListOptions): Promise<{ keys: StoreKey[]; cursor?: string | undefined }> {
    return this.inner.list(options);
  }
}
