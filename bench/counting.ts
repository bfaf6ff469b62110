/**
 * Bindings that count what edge-session does with them (scenario 5, inside workerd): a KV namespace with
 * every call counted, a Durable Object namespace whose stubs record every RPC call, and the bench
 * Worker's Durable Object class, which counts the storage writes of its objects. src/ is unchanged: the
 * library gets these in place of the real bindings.
 */
import { SessionObject } from "../src/durable-object/index.js";
import type { SessionObjectNamespace } from "../src/index.js";

/** Operations one request made on the namespace; `get` includes `getWithMetadata`. */
export interface KvCounts {
  get: number;
  put: number;
  delete: number;
  list: number;
}

/** The namespace, with every call counted. */
export function countingKV(namespace: KVNamespace): { binding: KVNamespace; counts: KvCounts; reset(): void } {
  const counts: KvCounts = { get: 0, put: 0, delete: 0, list: 0 };
  const counted =
    <A extends unknown[], R>(op: keyof KvCounts, call: (...args: A) => R) =>
    (...args: A): R => {
      counts[op]++;
      return call(...args);
    };
  const binding = {
    get: counted("get", namespace.get.bind(namespace)),
    getWithMetadata: counted("get", namespace.getWithMetadata.bind(namespace)),
    put: counted("put", namespace.put.bind(namespace)),
    delete: counted("delete", namespace.delete.bind(namespace)),
    list: counted("list", namespace.list.bind(namespace)),
  } as unknown as KVNamespace;
  return {
    binding,
    counts,
    reset() {
      counts.get = counts.put = counts.delete = counts.list = 0;
    },
  };
}

/** The namespace, with every method called on its stubs (`get`, `getByName`) recorded by name, in order. */
export function countingObjects(namespace: SessionObjectNamespace): { binding: SessionObjectNamespace; calls: string[]; reset(): void } {
  const calls: string[] = [];
  const counted = (stub: object) =>
    intercept(stub, (name, member) =>
      typeof member === "function"
        ? (...args: unknown[]) => {
            calls.push(name);
            return member(...args);
          }
        : member,
    );
  const binding = intercept(namespace, (name, member) =>
    (name === "get" || name === "getByName") && typeof member === "function" ? (...args: unknown[]) => counted(member(...args)) : member,
  );
  return {
    binding,
    calls,
    reset() {
      calls.length = 0;
    },
  };
}

/**
 * Storage writes of every `CountedSessionObject`: KV-API `put`, `delete` of a key that existed (it answers
 * whether it did), `setAlarm`, `deleteAlarm` and `deleteAll`. Local workerd runs the objects in the bench Worker's
 * isolate, so they share this module; scenario 5 checks that a request calling `write` or `revoke` shows
 * writes here, so a counter that cannot see the objects fails instead of reporting zeros.
 */
export const storageWrites = { count: 0 };

/** The bench Worker's Durable Object class: `SessionObject` over a storage that counts its writes. */
export class CountedSessionObject extends SessionObject {
  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    // The base class takes only the runtime's state object; the counting one replaces it afterwards.
    Object.defineProperty(this, "ctx", { value: countingState(ctx) });
  }
}

function countingState(ctx: DurableObjectState): DurableObjectState {
  const counted =
    (write: unknown, wrote: (result: unknown) => boolean) =>
    (...args: unknown[]) => {
      const result: unknown = (write as (...args: unknown[]) => unknown)(...args);
      if (wrote(result)) storageWrites.count++;
      return result;
    };
  const always = () => true;
  const kv = intercept(ctx.storage.kv, (name, member) =>
    name === "put" ? counted(member, always) : name === "delete" ? counted(member, (existed) => existed === true) : member,
  );
  const storage = intercept(ctx.storage, (name, member) =>
    name === "kv" ? kv : name === "setAlarm" || name === "deleteAlarm" || name === "deleteAll" ? counted(member, always) : member,
  );
  return intercept(ctx, (name, member) => (name === "storage" ? storage : member));
}

/**
 * `target` with its members as `replace` returns them, given each member with methods bound to `target`
 * (the runtime's objects check `this`). Binding goes through Reflect.apply: on an RPC stub, `method.bind`
 * would name a remote property. Symbols pass through.
 */
function intercept<T extends object>(target: T, replace: (name: string, member: unknown) => unknown): T {
  return new Proxy(target, {
    get(target, property) {
      const member: unknown = Reflect.get(target, property);
      const bound = typeof member === "function" ? (...args: unknown[]) => Reflect.apply(member, target, args) : member;
      return typeof property === "string" ? replace(property, bound) : bound;
    },
  });
}
