/**
 * Bindings that count what edge-session does with them (scenario 5, inside workerd). src/ is unchanged:
 * the library gets these in place of the real bindings.
 */

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
