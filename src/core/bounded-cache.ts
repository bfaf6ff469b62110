/**
 * Promises of this isolate kept by key, at most `limit` of them: the least recently used goes first, and one
 * that rejects is forgotten (a failure is tried again, never remembered). What the keyrings, the CSRF secrets
 * and the DBSC MAC keys are cached in: work done once per key, not once per request. Once a promise has
 * fulfilled, {@link settled} hands its value over at once: a caller on the hot path need not await it again.
 *
 * @example
 * ```ts
 * const keys = boundedCache<string, CryptoKey>(256);
 * const key = keys.get(material) ?? keys.set(material, crypto.subtle.importKey("raw", bytes, algorithm, false, ["sign"]));
 * const known = keys.settled(material); // the CryptoKey once imported, else undefined
 * ```
 */
export function boundedCache<K, V>(limit: number) {
  const entries = new Map<K, Entry<V>>();
  /** The key last got or set: the Map's last entry. */
  let newest: K | undefined;
  /** The entry kept for `key`, now the most recently used. */
  const use = (key: K): Entry<V> | undefined => {
    const kept = entries.get(key);
    // To the end (the first entry is the least recently used), unless it is there: a user's requests in a
    // row move nothing, and a Map's delete leaves a hole that it fills by copying its table anew.
    if (kept && key !== newest) {
      entries.delete(key);
      entries.set(key, kept);
      newest = key;
    }
    return kept;
  };
  return {
    /** The promise kept for `key`, now the most recently used; undefined when none is. */
    get(key: K): Promise<V> | undefined {
      return use(key)?.promise;
    },
    /** The value the promise kept for `key` fulfilled with, now the most recently used; undefined while it is pending or when none is kept. */
    settled(key: K): V | undefined {
      return use(key)?.value;
    },
    /** Keeps `value` for `key` (the least recently used entry goes when full); returns it. */
    set(key: K, value: Promise<V>): Promise<V> {
      entries.delete(key); // a key set again goes to the end too (Map.set would leave it where it was)
      if (entries.size >= limit) entries.delete(entries.keys().next().value!);
      const entry: Entry<V> = { promise: value, value: undefined };
      entries.set(key, entry);
      newest = key;
      value.then(
        (fulfilled) => void (entry.value = fulfilled),
        () => {
          if (entries.get(key) === entry) entries.delete(key);
        },
      );
      return value;
    },
  };
}

/** One kept promise, and its value once it fulfilled. */
interface Entry<V> {
  readonly promise: Promise<V>;
  value: V | undefined;
}
