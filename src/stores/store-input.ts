import { SessionConfigError, SessionTooLargeError } from "../core/errors.js";

/**
 * What a store over a shared backend (D1, Redis) checks before it calls the backend: keys, values, metadata,
 * its clock and page sizes. Each refusal is a typed error naming the limit, never a half-done write.
 */

const encoder = new TextEncoder();
/** A lone surrogate has no UTF-8 form: two different strings would be stored as one. */
export const LONE_SURROGATE = /\p{Surrogate}/u;

/** `prefix + key`, checked: a non-empty, well-formed key that fits `maxBytes` of UTF-8 with the prefix. */
export function storedKeyName(prefix: string, key: unknown, maxBytes: number, what: string): string {
  if (typeof key !== "string" || key.length === 0) throw new SessionConfigError("a store key must be a non-empty string");
  if (LONE_SURROGATE.test(key)) throw new SessionConfigError("a store key must be well-formed UTF-16 (no lone surrogates)");
  const name = prefix + key;
  const bytes = encoder.encode(name).byteLength;
  if (bytes > maxBytes) throw new SessionTooLargeError(bytes, maxBytes, what);
  return name;
}

/** A value to store, checked: a well-formed string of at most `maxBytes` of UTF-8. */
export function storedValue(value: unknown, maxBytes: number, what: string): string {
  if (typeof value !== "string") throw new SessionConfigError("a stored value must be a string");
  if (LONE_SURROGATE.test(value)) throw new SessionConfigError("a stored value must be well-formed UTF-16 (no lone surrogates)");
  const bytes = encoder.encode(value).byteLength;
  if (bytes > maxBytes) throw new SessionTooLargeError(bytes, maxBytes, what);
  return value;
}

/** The metadata given to `set` as JSON (undefined for none), checked: an object, serializable, at most `maxBytes`. */
export function metadataJson(given: Record<string, unknown> | undefined, maxBytes: number, what: string): string | undefined {
  if (given === undefined || given === null) return undefined;
  if (typeof given !== "object" || Array.isArray(given)) throw new SessionConfigError("metadata must be an object");
  let json: string;
  try {
    json = JSON.stringify(given);
  } catch {
    throw new SessionConfigError("metadata must be JSON-serializable (no cycles, no BigInt)");
  }
  const bytes = encoder.encode(json).byteLength;
  if (bytes > maxBytes) throw new SessionTooLargeError(bytes, maxBytes, what);
  return json;
}

/** Stored metadata as listings report it: an object, or undefined (none, or not an object: a listing reports, it does not fail). */
export function parseMetadata(json: unknown): Record<string, unknown> | undefined {
  if (typeof json !== "string") return undefined;
  try {
    const parsed: unknown = JSON.parse(json);
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A listing's page size: `max` when not given, else clamped to 1..max. */
export function pageLimit(limit: unknown, max: number): number {
  if (limit === undefined) return max;
  if (typeof limit !== "number" || Number.isNaN(limit)) throw new SessionConfigError("limit must be a number");
  return Math.min(max, Math.max(1, Math.floor(limit)));
}

/** The store clock's time in ms, checked: a clock that answers garbage must not make every entry look live or dead. */
export function checkedNow(clock: () => number, store: string): number {
  const now = clock();
  if (typeof now !== "number" || !Number.isFinite(now) || now < 0)
    throw new SessionConfigError(`${store} now() must return ms since epoch`);
  return now;
}

/** The options every versioned store takes besides its backend: how conflicts end, and its clock. */
export function versionedOptions(options: { onConflict?: "merge" | "error" | undefined; now?: (() => number) | undefined }): {
  onConflict: "merge" | "error";
  clock: () => number;
} {
  const onConflict = options.onConflict ?? "merge";
  if (onConflict !== "merge" && onConflict !== "error") throw new SessionConfigError('onConflict must be "merge" or "error"');
  const clock = options.now ?? Date.now;
  if (typeof clock !== "function") throw new SessionConfigError("now must be a function returning ms since epoch");
  return { onConflict, clock };
}
