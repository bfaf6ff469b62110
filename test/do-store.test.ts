import { env } from "cloudflare:workers";
import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { DurableObjectStore } from "../src/durable-object/store.js";
import type { SessionObject } from "../src/durable-object/object.js";
import { SessionConfigError, SessionStoreError, SessionTooLargeError } from "../src/core/errors.js";
import { advanceObject, freshId, sessionStub, storageOf, waitersQueued } from "./do-helpers.js";

const store = new DurableObjectStore(env.SESSION_OBJECTS);
const lock = (token: string, leaseMs = 10_000, waitMs = 5_000) => ({ token, leaseMs, waitMs });

describe("DurableObjectStore: SessionStore over one object per key", () => {
  it("round-trips values and reads null for keys never written", async () => {
    const key = freshId();
    expect(await store.get(key)).toBeNull();
    await store.set(key, "v1", { ttl: 60 });
    expect(await store.get(key)).toBe("v1");
  });

  it("refuses a namespace that is not a binding, oversized values and bad keys", async () => {
    expect(() => new DurableObjectStore(undefined as never)).toThrow(SessionConfigError);
    expect(() => new DurableObjectStore(env.SESSION_OBJECTS, { exclusive: { waitMs: 0 } })).toThrow(SessionConfigError);
    await expect(store.write(freshId(), { value: "x".repeat(1024 * 1024 + 1), ttl: 60 })).rejects.toThrow(SessionTooLargeError);
    await expect(store.get("")).rejects.toThrow(SessionConfigError);
  });
});

describe("plain set: the grace is said, never guessed", () => {
  const metadata = { created: 1_700_000_000, lastUsed: 1_700_000_000, expires: 1_700_000_060 };
  const recordOf = async (key: string) => ((await storageOf(sessionStub(key))) as { rec: { deadline: number; expiresAt: number } }).rec;

  it("keeps the value `grace` seconds past the session's deadline, where its listing ends", async () => {
    const key = freshId();
    await store.set(key, "v", { ttl: 60 + 86_400, grace: 86_400, metadata });
    const record = await recordOf(key);
    expect(record.expiresAt - record.deadline).toBe(86_400_000);
    expect(await store.get(key)).toBe("v");
  });

  it("without grace, the whole ttl is the session's, whatever its metadata and ttl", async () => {
    const key = freshId();
    await store.set(key, "v", { ttl: 2 * 86_400, metadata });
    const record = await recordOf(key);
    expect(record.expiresAt).toBe(record.deadline);
  });

  it("refuses a grace longer than the ttl or not in whole seconds, writing nothing", async () => {
    const key = freshId();
    await expect(store.set(key, "v", { ttl: 60, grace: 61 })).rejects.toThrow(SessionConfigError);
    await expect(store.set(key, "v", { ttl: 60, grace: 1.5 })).rejects.toThrow(SessionConfigError);
    expect(await storageOf(sessionStub(key))).toEqual({});
  });
});

describe("versioned writes (compare-and-swap)", () => {
  it("numbers writes and commits only on the version that was read", async () => {
    const key = freshId();
    expect(await store.write(key, { value: "a", ttl: 60, expected: 0 })).toEqual({ ok: true, version: 1 });
    // A second creator lost the race: it is told what won, to rebase onto.
    expect(await store.write(key, { value: "b", ttl: 60, expected: 0 })).toEqual({
      ok: false,
      state: "conflict",
      current: { value: "a", version: 1 },
    });
    expect(await store.write(key, { value: "c", ttl: 60, expected: 1 })).toEqual({ ok: true, version: 2 });
    expect(await store.read(key)).toEqual({ state: "live", value: "c", version: 2 });
  });

  it("a stale writer whose session expired meanwhile finds nothing to write onto", async () => {
    const key = freshId();
    await store.write(key, { value: "a", ttl: 60, expected: 0 });
    await advanceObject(sessionStub(key), 61);
    expect(await store.write(key, { value: "late", ttl: 60, expected: 1 })).toEqual({ ok: false, state: "conflict", current: null });
    expect(await store.read(key)).toEqual({ state: "missing" });
  });
});

describe("revocation", () => {
  it("is final: reads say revoked and no write (conditional or not) brings the value back", async () => {
    const key = freshId();
    await store.write(key, { value: "a", ttl: 300, expected: 0 });
    await store.delete(key);
    expect(await store.read(key)).toEqual({ state: "revoked" });
    expect(await store.write(key, { value: "resurrected", ttl: 300, expected: 1 })).toEqual({ ok: false, state: "revoked" });
    await expect(store.set(key, "resurrected", { ttl: 300 })).rejects.toThrow(SessionStoreError);
    expect(await store.check(key)).toEqual({ revoked: true, linked: false });
    expect(await storageOf(sessionStub(key))).toEqual({ tomb: { until: expect.any(Number) } });
  });
});

describe("expiry with alarms (no cron)", () => {
  it("deletes a stored session when its time passes, and not before", async () => {
    const key = freshId();
    const stub = sessionStub(key);
    await store.write(key, { value: "a", ttl: 60, expected: 0 });
    expect(await runDurableObjectAlarm(stub)).toBe(true); // an early alarm finds nothing due...
    expect(await store.get(key)).toBe("a");
    expect(await runInDurableObject(stub, (_o: SessionObject, state) => state.storage.getAlarm())).not.toBeNull(); // ...and sets the next
    await advanceObject(stub, 61);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await storageOf(stub)).toEqual({});
    expect(await store.read(key)).toEqual({ state: "missing" });
  });

  it("a later write moves the deadline (idle expiry): the first alarm keeps the session", async () => {
    const key = freshId();
    const stub = sessionStub(key);
    await store.write(key, { value: "a", ttl: 60, expected: 0 });
    await advanceObject(stub, 50);
    await store.write(key, { value: "b", ttl: 60, expected: 1 });
    await advanceObject(stub, 20); // 70 s after the first write, 20 s after the second
    await runDurableObjectAlarm(stub);
    expect(await store.get(key)).toBe("b");
    await advanceObject(stub, 41);
    await runDurableObjectAlarm(stub);
    expect(await store.get(key)).toBeNull();
  });

  it("tombstones go too once no copy of the session could still be valid", async () => {
    const key = freshId();
    const stub = sessionStub(key);
    await store.write(key, { value: "a", ttl: 60, expected: 0 });
    await store.revoke(key, 120);
    await advanceObject(stub, 100);
    await runDurableObjectAlarm(stub);
    expect(await store.check(key)).toEqual({ revoked: true, linked: false });
    await advanceObject(stub, 21);
    await runDurableObjectAlarm(stub);
    expect(await storageOf(stub)).toEqual({});
  });
});

describe("exclusive mode: a lock per session that expires on its own", () => {
  it("serializes: the second reader waits and then sees the first one's write", async () => {
    const key = freshId();
    await store.write(key, { value: "v1", ttl: 60, expected: 0 });
    const a = await store.read(key, lock("A"));
    expect(a).toMatchObject({ state: "live", version: 1 });
    let bDone = false;
    const b = store.read(key, lock("B")).finally(() => (bDone = true));
    await waitersQueued(sessionStub(key), 1);
    expect(bDone).toBe(false);
    expect(await store.write(key, { value: "v2", ttl: 60, expected: 1, release: "A" })).toEqual({ ok: true, version: 2 });
    expect(await b).toEqual({ state: "live", value: "v2", version: 2 });
  });

  it("times out after the bounded wait", async () => {
    const key = freshId();
    const stub = sessionStub(key);
    await store.read(key, lock("A", 10_000, 1_000));
    const b = store.read(key, lock("B", 10_000, 1_000));
    await waitersQueued(stub, 1);
    await advanceObject(stub, 1.001);
    await runDurableObjectAlarm(stub);
    expect(await b).toEqual({ state: "lock-timeout" });
  });

  it("a lease that ran out passes to the next waiter, and the old holder cannot release it", async () => {
    const key = freshId();
    const stub = sessionStub(key);
    await store.read(key, lock("A", 1_000, 5_000));
    const b = store.read(key, lock("B", 1_000, 5_000));
    await waitersQueued(stub, 1);
    await advanceObject(stub, 1.001);
    await runDurableObjectAlarm(stub);
    expect(await b).toEqual({ state: "missing" });
    await store.release(key, "A");
    expect(await storageOf(stub)).toMatchObject({ lock: { token: "B" } });
  });

  it("a revoked session wakes its waiters at once, and they read that it is gone", async () => {
    const key = freshId();
    await store.write(key, { value: "v1", ttl: 60, expected: 0 });
    await store.read(key, lock("A"));
    const b = store.read(key, lock("B"));
    await waitersQueued(sessionStub(key), 1);
    await store.revoke(key, 0);
    expect(await b).toEqual({ state: "revoked" });
  });
});

describe("exclusive mode: bounded lease and wait", () => {
  it.each([
    { leaseMs: Number.MAX_SAFE_INTEGER },
    { leaseMs: 5 * 60_000 + 1 },
    { leaseMs: 0 },
    { waitMs: 60_001 },
    { waitMs: Number.POSITIVE_INFINITY },
    { waitMs: 1.5 },
  ])("refuses %o at construction (SessionConfigError)", (exclusive) => {
    expect(() => new DurableObjectStore(env.SESSION_OBJECTS, { exclusive })).toThrow(SessionConfigError);
  });

  it("accepts the documented maximums: a 5-minute lease and a 1-minute wait", () => {
    const bounded = new DurableObjectStore(env.SESSION_OBJECTS, { exclusive: { leaseMs: 5 * 60_000, waitMs: 60_000 } });
    expect(bounded.exclusive).toEqual({ leaseMs: 300_000, waitMs: 60_000 });
  });

  it("a lock asked for directly is bounded too, and refused before it is taken", async () => {
    const key = freshId();
    await expect(store.read(key, lock("A", Number.MAX_SAFE_INTEGER))).rejects.toThrow(SessionConfigError);
    await expect(store.read(key, lock("A", 10_000, 60_001))).rejects.toThrow(SessionConfigError);
    expect(await storageOf(sessionStub(key))).toEqual({});
  });
});

describe("faults: a typed error and no partial write", () => {
  it("an object reset while a request waits fails that request with SessionStoreError; the stored session is intact", async () => {
    const key = freshId();
    await store.write(key, { value: "v1", ttl: 60, expected: 0 });
    await store.read(key, lock("A"));
    const b = store.read(key, lock("B"));
    await waitersQueued(sessionStub(key), 1);
    await abortAllDurableObjects();
    const error = await b.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionStoreError);
    expect((error as SessionStoreError).operation).toBe("get");
    expect(await store.read(key)).toEqual({ state: "live", value: "v1", version: 1 });
  });

  it("storage that throws part-way through a write rolls the whole write back", async () => {
    const key = freshId();
    const stub = sessionStub(key);
    await store.write(key, { value: "v1", ttl: 60, expected: 0 });
    await stub.link({ userId: "u-fault", device: "d", created: 0, lastUsed: 0, ttl: 60, seq: 1 });
    const before = await storageOf(stub);
    // The write puts the record, then the user link: fail the second put.
    await runInDurableObject(stub, (object: SessionObject, state) => {
      const { kv } = state.storage;
      const failing = {
        get: kv.get.bind(kv),
        list: kv.list.bind(kv),
        delete: kv.delete.bind(kv),
        put(key: string, value: unknown) {
          if (key === "link") throw new Error("disk on fire");
          kv.put(key, value);
        },
      };
      const storage = new Proxy(state.storage, {
        get: (target, name) =>
          name === "kv" ? failing : (Reflect.get(target, name, target)?.bind?.(target) ?? Reflect.get(target, name, target)),
      });
      (object as unknown as { ctx: unknown }).ctx = new Proxy(state, {
        get: (target, name) => (name === "storage" ? storage : Reflect.get(target, name, target)),
      });
    });
    await expect(store.write(key, { value: "v2", ttl: 60, expected: 1 })).rejects.toThrow(SessionStoreError);
    await abortAllDurableObjects(); // a fresh instance reads what storage holds (through a fresh stub)
    expect(await storageOf(sessionStub(key))).toEqual(before);
    expect(await store.read(key)).toEqual({ state: "live", value: "v1", version: 1 });
  });

  it("errors carry no session data", async () => {
    const broken = new DurableObjectStore({ getByName: () => ({ read: () => Promise.reject(new Error("boom")) }) } as never);
    const error = (await broken.get(freshId()).catch((e: unknown) => e)) as SessionStoreError;
    expect(error).toBeInstanceOf(SessionStoreError);
    expect(error.message).toBe("session store get failed");
    expect(error.getResponse().status).toBe(503);
  });
});

describe("an object that never answers", () => {
  /** A namespace whose objects accept every call and never answer it (a hung object). */
  const hung = { getByName: () => new Proxy({}, { get: () => () => new Promise(() => {}) }) };

  it("fails the call with SessionStoreError (cause StoreTimeout) after timeoutMs, a lock wait after waitMs more: never hangs the request", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const store = new DurableObjectStore(hung, { timeoutMs: 1000 });
      const read = store.read(freshId());
      const failed = expect(read).rejects.toMatchObject({ name: "SessionStoreError", cause: { name: "StoreTimeout" } });
      await vi.advanceTimersByTimeAsync(1000);
      await failed;
      const locked = store.read(freshId(), { token: "t", leaseMs: 1000, waitMs: 3000 });
      let settled = false;
      locked.catch(() => (settled = true));
      await vi.advanceTimersByTimeAsync(3999);
      expect(settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      await expect(locked).rejects.toThrow(SessionStoreError);
    } finally {
      vi.useRealTimers();
    }
  });

  it.each([-1, 1.5, "5000"])("timeoutMs %j is a SessionConfigError", (timeoutMs) => {
    expect(() => new DurableObjectStore(env.SESSION_OBJECTS, { timeoutMs } as never)).toThrow(SessionConfigError);
  });
});
