import { SessionConfigError } from "../core/errors.js";
import { checkKeys, type KnownKeys } from "../core/known-keys.js";
import { checkTtl, metadataJson, storedValue } from "./store-checks.js";
import { readMetadata } from "./stored-session.js";
import { isTraits } from "./device-traits.js";
import type { WriteRequest } from "./versioned.js";

/**
 * What a versioned store (D1, Redis, the Durable Object store) checks on top of what every store checks
 * (store-checks.ts): its settings, a versioned write as it enters, and the record a write makes.
 */

/** The limits a store checks a write against, and the name its errors give the store (`"D1"`). */
export interface WriteLimits {
  valueBytes: number;
  metadataBytes: number;
  what: string;
}

/**
 * The options every versioned store takes besides its backend: how conflicts end, and its clock.
 *
 * @example
 * ```ts
 * const { onConflict, clock } = versionedOptions({ onConflict: "error" });
 * ```
 */
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

/**
 * The options of a versioned store over a shared backend without a lock (D1, Redis), checked once in its
 * constructor: no `exclusive` (`lockAdvice` says where to find a lock), only the keys it knows, then how
 * conflicts end and its clock ({@link versionedOptions}).
 *
 * @example
 * ```ts
 * const { onConflict, clock } = lockFreeOptions(options, KNOWN, "D1Store", "use a DurableObjectStore with exclusive: true");
 * ```
 */
export function lockFreeOptions<T extends { onConflict?: "merge" | "error" | undefined; now?: (() => number) | undefined }>(
  options: T,
  known: KnownKeys<T>,
  store: string,
  lockAdvice: string,
): { onConflict: "merge" | "error"; clock: () => number } {
  if ((options as { exclusive?: unknown }).exclusive !== undefined) {
    throw new SessionConfigError(`${store} offers no session lock (exclusive): ${lockAdvice}`);
  }
  checkKeys(options, known, `${store} options`);
  return versionedOptions(options);
}

/**
 * A versioned write as it enters a store, checked once: the value within `limits`, whole-second ttl and
 * keep (together at most {@link MAX_TTL}), a version to expect, and `replaces` only with `expected: 0`.
 *
 * @example
 * ```ts
 * const write = writeRequest(request, { valueBytes: 1024 * 1024, what: "D1" });
 * ```
 */
export function writeRequest(request: WriteRequest, limits: Pick<WriteLimits, "valueBytes" | "what">): WriteRequest & { keep: number } {
  if (typeof request !== "object" || request === null) throw new SessionConfigError("write needs a request object");
  storedValue(request.value, limits.valueBytes, `${limits.what} value`);
  const keep = request.keep ?? 0;
  checkTtl(request.ttl, "ttl");
  checkTtl(keep, "keep");
  checkTtl(request.ttl + keep, "ttl + keep");
  const { expected, replaces } = request;
  if (expected !== undefined && !(Number.isSafeInteger(expected) && expected >= 0)) {
    throw new SessionConfigError("expected must be a version (a whole number, at least 0)");
  }
  if (request.traits !== undefined && !isTraits(request.traits))
    throw new SessionConfigError("write traits: { lifetime, limits?, expiresAt?, bound? } in whole seconds and ms");
  if (replaces !== undefined && expected !== 0) {
    throw new SessionConfigError("a write that replaces a session creates a new key: expected must be 0");
  }
  return { ...request, keep };
}

/** One key's record as a store over a shared backend keeps it, in seconds since epoch. */
export interface StoredRecord {
  value: string;
  /** The metadata as JSON, or undefined for none. */
  metadata: string | undefined;
  /** When the record goes: the value's ttl and the `keep` after it. */
  expires: number;
  /** The session's own deadline: the one its metadata names (what listings read), else the ttl's end. */
  deadline: number;
  created: number | undefined;
  lastUsed: number | undefined;
}

/**
 * The record a write of `value` for `ttl` seconds (then kept `keep` more) makes at `now` (ms), checked
 * against `limits`. A plain `set` keeps nothing more: the ttl it was given is how long its record lives.
 *
 * @example
 * ```ts
 * const record = storedRecord({ value, ttl: 60, keep: 0, metadata }, limits, Date.now());
 * ```
 */
export function storedRecord(
  write: { value: unknown; ttl: number; keep: number; metadata?: Record<string, unknown> | undefined },
  limits: WriteLimits,
  now: number,
): StoredRecord {
  const value = storedValue(write.value, limits.valueBytes, `${limits.what} value`);
  const metadata = metadataJson(write.metadata, limits.metadataBytes, `${limits.what} metadata`);
  const session = readMetadata(write.metadata);
  const seconds = now / 1000;
  return {
    value,
    metadata,
    expires: Math.ceil(seconds + write.ttl + write.keep),
    deadline: session?.expires ?? Math.ceil(seconds + write.ttl),
    created: session?.created,
    lastUsed: session?.lastUsed,
  };
}
