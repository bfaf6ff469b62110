import { SessionConfigError, SessionTooLargeError } from "../core/errors.js";
import { checkKeys, type KnownKeys } from "../core/known-keys.js";
import { isTtl, MAX_TTL } from "./versioned.js";
import type { StoreListOptions, StoreSetOptions } from "./store.js";

/**
 * What every store (KV, D1, Redis, the Durable Object store) checks where input enters it, before its backend
 * is called: keys, values, metadata, ttls, cursors, its clock and page sizes (a versioned store's own in
 * versioned-checks.ts). Each refusal is a
 * typed error naming the limit, never a half-done write; what passed here is not checked again on the way down.
 */

const encoder = new TextEncoder();
/** A lone surrogate has no UTF-8 form: two different strings would be stored as one. */
const LONE_SURROGATE = /\p{Surrogate}/u;
/** Our own keys are at most 64 characters: a store's prefix may take the rest of its key limit. */
const OWN_KEY_BYTES = 64;

/**
 * A store's key prefix, checked: a string that leaves room for our own keys within `keyBytes`; with
 * `wellFormed`, without lone surrogates; with `noNul`, without NUL.
 *
 * @example
 * ```ts
 * const prefix = storePrefix(options.prefix ?? "", 512, "D1Store", { wellFormed: true });
 * ```
 */
export function storePrefix(prefix: unknown, keyBytes: number, store: string, rules: { wellFormed?: true; noNul?: true } = {}): string {
  const max = keyBytes - OWN_KEY_BYTES;
  if (
    typeof prefix !== "string" ||
    (rules.wellFormed && LONE_SURROGATE.test(prefix)) ||
    (rules.noNul && prefix.includes("\0")) ||
    encoder.encode(prefix).byteLength > max
  ) {
    const kind = rules.wellFormed ? "a well-formed string" : "a string";
    throw new SessionConfigError(`${store} prefix must be ${kind} of at most ${max} bytes${rules.noNul ? ", without NUL" : ""}`);
  }
  return prefix;
}

/**
 * `prefix + key`, checked: a non-empty, well-formed key that fits `maxBytes` of UTF-8 with the prefix.
 *
 * @example
 * ```ts
 * const name = storedKeyName("s:", key, 512, "D1 key");
 * ```
 */
export function storedKeyName(prefix: string, key: unknown, maxBytes: number, what: string): string {
  if (typeof key !== "string" || key.length === 0) throw new SessionConfigError("a store key must be a non-empty string");
  if (LONE_SURROGATE.test(key)) throw new SessionConfigError("a store key must be well-formed UTF-16 (no lone surrogates)");
  return fits(prefix + key, maxBytes, what);
}

/**
 * A value to store, checked: a well-formed string of at most `maxBytes` of UTF-8.
 *
 * @example
 * ```ts
 * const stored = storedValue(value, 1024 * 1024, "D1 value");
 * ```
 */
export function storedValue(value: unknown, maxBytes: number, what: string): string {
  if (typeof value !== "string") throw new SessionConfigError("a stored value must be a string");
  if (LONE_SURROGATE.test(value)) throw new SessionConfigError("a stored value must be well-formed UTF-16 (no lone surrogates)");
  return fits(value, maxBytes, what);
}

/**
 * The metadata given to `set` as JSON (undefined for none), checked: an object, serializable, at most `maxBytes`.
 *
 * @example
 * ```ts
 * const json = metadataJson(options.metadata, 1024, "D1 metadata");
 * ```
 */
export function metadataJson(given: Record<string, unknown> | undefined, maxBytes: number, what: string): string | undefined {
  if (given === undefined || given === null) return undefined;
  if (typeof given !== "object" || Array.isArray(given)) throw new SessionConfigError("metadata must be an object");
  let json: string;
  try {
    json = JSON.stringify(given);
  } catch {
    throw new SessionConfigError("metadata must be JSON-serializable (no cycles, no BigInt)");
  }
  return fits(json, maxBytes, what);
}

function fits(text: string, maxBytes: number, what: string): string {
  const bytes = encoder.encode(text).byteLength;
  if (bytes > maxBytes) throw new SessionTooLargeError(bytes, maxBytes, what);
  return text;
}

/**
 * Stored metadata as listings report it: an object, or undefined (none, or not an object: a listing reports, it does not fail).
 *
 * @example
 * ```ts
 * const metadata = parseMetadata(row.metadata);
 * ```
 */
export function parseMetadata(json: unknown): Record<string, unknown> | undefined {
  if (typeof json !== "string") return undefined;
  try {
    const parsed: unknown = JSON.parse(json);
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The options of a store method, an object; with `known` (the app's own calls), without unknown keys.
 *
 * @example
 * ```ts
 * const { now } = methodOptions(options, "D1Store.purge", { now: true, batch: true, max: true });
 * ```
 */
export function methodOptions<T>(options: T, method: string, known?: KnownKeys<T>): T {
  if (typeof options !== "object" || options === null) throw new SessionConfigError(`${method} needs an options object`);
  if (known) checkKeys(options, known, `${method} options`);
  return options;
}

/**
 * The options of a store's `set`, checked: an object whose ttl is a number of seconds from 0 to {@link MAX_TTL}.
 *
 * @example
 * ```ts
 * const { ttl, metadata } = setOptions(options, "D1Store.set");
 * ```
 */
export function setOptions(options: StoreSetOptions, method: string): StoreSetOptions {
  methodOptions(options, method);
  if (typeof options.ttl !== "number" || !(options.ttl >= 0 && options.ttl <= MAX_TTL)) {
    throw new SessionConfigError(`ttl must be a number of seconds from 0 to ${MAX_TTL} (10 years)`);
  }
  return options;
}

/**
 * The options of a store's `list`, checked: the sub-prefix and cursor are strings, the limit a page size
 * from 1 to `maxLimit` (`maxLimit` when not given).
 *
 * @example
 * ```ts
 * const { sub, cursor, limit } = listOptions(options, "D1Store.list", 1000);
 * ```
 */
export function listOptions(
  options: StoreListOptions,
  method: string,
  maxLimit: number,
): { sub: string; cursor: string | undefined; limit: number } {
  const { cursor, prefix: sub = "" } = methodOptions(options, method);
  if (typeof sub !== "string" || (cursor !== undefined && typeof cursor !== "string"))
    throw new SessionConfigError("list prefix and cursor must be strings");
  return { sub, cursor, limit: pageLimit(options.limit, maxLimit) };
}

/**
 * A listing's page size: `max` when not given, else clamped to 1..max.
 *
 * @example
 * ```ts
 * const limit = pageLimit(options.limit, 1000);
 * ```
 */
export function pageLimit(limit: unknown, max: number): number {
  if (limit === undefined) return max;
  if (typeof limit !== "number" || Number.isNaN(limit)) throw new SessionConfigError("limit must be a number");
  return Math.min(max, Math.max(1, Math.floor(limit)));
}

/**
 * Throws a SessionConfigError unless `value` is a whole number of seconds from `min` to {@link MAX_TTL}.
 *
 * @example
 * ```ts
 * checkTtl(options.ttl, "ttl", 1);
 * ```
 */
export function checkTtl(value: unknown, name: string, min = 0): asserts value is number {
  if (!isTtl(value, min)) throw new SessionConfigError(`${name} must be a whole number of seconds from ${min} to ${MAX_TTL} (10 years)`);
}

/**
 * The store clock's time in ms, checked: a clock that answers garbage must not make every entry look live or dead.
 *
 * @example
 * ```ts
 * const now = checkedNow(Date.now, "D1Store");
 * ```
 */
export function checkedNow(clock: () => number, store: string): number {
  const now = clock();
  if (typeof now !== "number" || !Number.isFinite(now) || now < 0)
    throw new SessionConfigError(`${store} now() must return ms since epoch`);
  return now;
}

/**
 * Throws a SessionConfigError unless `value` is a time in ms since epoch (as a `Date` holds).
 *
 * @example
 * ```ts
 * checkTime(options.since, "since");
 * ```
 */
export function checkTime(value: unknown, name: string): asserts value is number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > 8.64e15) {
    throw new SessionConfigError(`${name} must be a time in ms since epoch`);
  }
}
