/**
 * Promises of this isolate kept by key, at most `limit` of them: the least recently used goes first, and one
 * that rejects is forgotten (a failure is tried again, never remembered). What the keyrings, the CSRF secrets
 * and the DBSC MAC keys are cached in: work done once per key, not once per request.
 *
 * @example
 * ```ts
 * const keys = boundedCache<string, CryptoKey>(256);
 * const key = keys.get(material) ?? keys.set(material, crypto.subtle.importKey("raw", bytes, algorithm, false, ["sign"]));
 * ```
 */
export function boundedCache<K, V>(limit: number) {
  const entries = new Map<K, Promise<V>>();
  return {
    /** The promise kept for `key`, now the most recently used; undefined when none is. */
    get(key: K): Promise<V> | undefined {
      const kept = entries.get(key);
      if (kept) {
        entries.delete(key); // to the end: the first entry is the least recently used
        entries.set(key, kept);
      }
      return kept;
    },
    /** Keeps `value` for `key` (the least recently used entry goes when full); returns it. */
    set(key: K, value: Promise<V>): Promise<V> {
      if (entries.size >= limit) entries.delete(entries.keys().next().value!);
      entries.set(key, value);
      value.catch(() => {
        if (entries.get(key) === value) entries.delete(key);
      });
      return value;
    },
  };
}
