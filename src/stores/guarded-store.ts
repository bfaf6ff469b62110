import { storeCall, type SessionStore } from "./store.js";

/**
 * Wraps a store so that every call either settles within `timeoutMs` or fails, and every failure is a
 * `SessionStoreError` naming the operation (the original error is its `cause`). Errors that are already
 * `SessionError`s (e.g. `SessionTooLargeError` from a store's own limit check) pass through unchanged.
 * `timeoutMs` 0 means no time limit. The store's `prefix` is passed on: `sealedStore` binds values to it.
 */
export function guardedStore(store: SessionStore, timeoutMs: number): SessionStore {
  const guarded: SessionStore = {
    prefix: store.prefix,
    maxValueBytes: store.maxValueBytes,
    get: (key) => storeCall("get", () => inTime(store.get(key), timeoutMs)),
    set: (key, value, options) => storeCall("set", () => inTime(store.set(key, value, options), timeoutMs)),
    delete: (key) => storeCall("delete", () => inTime(store.delete(key), timeoutMs)),
  };
  if (store.list) {
    const list = store.list.bind(store);
    guarded.list = (options) => storeCall("list", () => inTime(list(options), timeoutMs));
  }
  return guarded;
}

/** `pending`, or a `StoreTimeout` rejection once `timeoutMs` (0: no limit) have passed without it settling. */
export async function inTime<T>(pending: Promise<T>, timeoutMs: number): Promise<T> {
  if (!timeoutMs) return pending;
  // A call that settles after the deadline must not surface as an unhandled rejection.
  pending.catch(() => {});
  let timer: number | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreTimeout(timeoutMs)), timeoutMs);
  });
  try {
    return await Promise.race([pending, deadline]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** The cause of a `SessionStoreError` for a call that did not settle in time. */
export class StoreTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
    this.name = "StoreTimeout";
  }
}
