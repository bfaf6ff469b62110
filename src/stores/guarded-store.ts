import { SessionError, SessionStoreError } from "../core/errors.js";
import type { SessionStore } from "./store.js";

type Operation = SessionStoreError["operation"];

/**
 * Wraps a store so that every call either settles within `timeoutMs` or fails, and every failure is a
 * `SessionStoreError` naming the operation (the original error is its `cause`). Errors that are already
 * `SessionError`s (e.g. `SessionTooLargeError` from a store's own limit check) pass through unchanged.
 * `timeoutMs` 0 means no time limit. The store's `prefix` is passed on: `sealedStore` binds values to it.
 */
export function guardedStore(store: SessionStore, timeoutMs: number): SessionStore {
  const guarded: SessionStore = {
    prefix: store.prefix,
    get: (key) => guard("get", () => store.get(key), timeoutMs),
    set: (key, value, options) => guard("set", () => store.set(key, value, options), timeoutMs),
    delete: (key) => guard("delete", () => store.delete(key), timeoutMs),
  };
  if (store.list) {
    const list = store.list.bind(store);
    guarded.list = (options) => guard("list", () => list(options), timeoutMs);
  }
  return guarded;
}

async function guard<T>(operation: Operation, call: () => Promise<T>, timeoutMs: number): Promise<T> {
  let timer: number | undefined;
  try {
    const pending = call();
    if (!timeoutMs) return await pending;
    // A call that settles after the deadline must not surface as an unhandled rejection.
    pending.catch(() => {});
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StoreTimeout(timeoutMs)), timeoutMs);
    });
    return await Promise.race([pending, deadline]);
  } catch (error) {
    if (error instanceof SessionError) throw error;
    throw new SessionStoreError(operation, { cause: error });
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
