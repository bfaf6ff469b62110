import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { newSessionId } from "../src/core/envelope.js";
import type { SessionObject } from "../src/durable-object/object.js";

/** A fresh session key: every test works on its own objects (storage persists across tests of a file). */
export const freshId = newSessionId;

/** The stub of a session key's object, for the cloudflare:test helpers (alarms, eviction, inspection). */
export function sessionStub(key: string): DurableObjectStub<SessionObject> {
  return env.SESSION_OBJECTS.getByName(`s:${key}`);
}

export function userStub(userId: string): DurableObjectStub<SessionObject> {
  return env.SESSION_OBJECTS.getByName(`u:${userId}`);
}

/** Moves the object's clock forward (objects sleep for no one: their clock is injected). */
export async function advanceObject(stub: DurableObjectStub<SessionObject>, seconds: number): Promise<void> {
  await runInDurableObject(stub, (object: SessionObject) => {
    const base = object.clock;
    object.clock = () => base() + seconds * 1000;
  });
}

/**
 * A clock for the app and one session's object together: `advance(seconds)` moves both, then runs the object's
 * alarm (its link may lapse meanwhile).
 */
export function appAndObjectClock(clock: { advance(seconds: number): void }, stub: DurableObjectStub<SessionObject>) {
  return async (seconds: number): Promise<void> => {
    clock.advance(seconds);
    await advanceObject(stub, seconds);
    await runDurableObjectAlarm(stub);
  };
}

/** Every storage key the object holds, with its value. */
export function storageOf(stub: DurableObjectStub<SessionObject>): Promise<Record<string, unknown>> {
  return runInDurableObject(stub, (_object: SessionObject, state) => Object.fromEntries(state.storage.kv.list()));
}

/** Resolves once `count` requests wait for the object's lock (a call in flight has not queued yet). */
export async function waitersQueued(stub: DurableObjectStub<SessionObject>, count: number): Promise<void> {
  for (let round = 0; round < 100; round++) {
    if ((await runInDurableObject(stub, (object: SessionObject) => object.waiting.length)) >= count) return;
  }
  throw new Error(`fewer than ${count} lock waiters queued`);
}

/** The session ids a user object indexes (its `d:<id>` entries). */
export async function indexedIds(userId: string): Promise<string[]> {
  return Object.keys(await storageOf(userStub(userId)))
    .filter((key) => key.startsWith("d:"))
    .map((key) => key.slice(2));
}

/**
 * The namespace with every object's clock bound to `now` before its first call through it: the test moves
 * the app's time and the objects' (leases, lock waits, expiry) together, without sleeping. `onCall` sees every
 * call as it is made.
 */
export function clockedObjects<N extends { getByName(name: string): unknown }>(
  inner: N,
  now: () => number,
  onCall: (name: string, method: string, args: unknown[]) => void = () => {},
): N {
  const bound = new Map<string, Promise<void>>();
  const bind = (name: string) => {
    let ready = bound.get(name);
    if (!ready) {
      const stub = inner.getByName(name) as DurableObjectStub<SessionObject>;
      ready = runInDurableObject(stub, (object: SessionObject) => void (object.clock = now));
      bound.set(name, ready);
    }
    return ready;
  };
  return {
    getByName(name: string) {
      const stub = inner.getByName(name) as Record<string, (...args: unknown[]) => Promise<unknown>>;
      return new Proxy(stub, {
        get:
          (target, method: string) =>
          async (...args: unknown[]) => {
            onCall(name, method, args);
            await bind(name);
            return target[method]!(...args);
          },
      });
    },
  } as N;
}

/** Lock waiters of the object whose deadline has not passed on its clock, and the lock it holds (if any). */
export function lockState(
  stub: DurableObjectStub<SessionObject>,
): Promise<{ waiting: number; lock: { token: string; until: number } | undefined }> {
  return runInDurableObject(stub, (object: SessionObject, state) => ({
    waiting: object.waiting.filter((w) => w.deadline > object.clock()).length,
    lock: state.storage.kv.get<{ token: string; until: number }>("lock"),
  }));
}
