import type { SessionData } from "./envelope.js";
import { SessionConfigError } from "./errors.js";
import type { RawEvent } from "./events.js";

/**
 * The `size` event: a session that passes `sizeWarning` (a share of its budget) is reported once, so an app
 * learns before its sessions hit `SessionTooLargeError`. The budget is what the mode writes against:
 *
 * - cookie mode, chunks, revocation checks: the sealed value against what the session's cookies carry
 *   (`cookie.chunks` cookies, every line within `cookie.maxLineBytes`);
 * - overflow: the same while the session is in the cookie; once in the store, against the store's
 *   `maxValueBytes` (KV 25 MiB; none for a store that declares none);
 * - server-side stores: the stored value against the store's `maxValueBytes`; Durable Objects: against
 *   the object's 1 MiB value limit.
 */

/** What a mode reports of a write: the bytes it wrote against the limit they must stay within. */
export type Measure = (bytes: number, limit: number) => void;

/** The validated `sizeWarning` and the sessions already reported (per engine, so per isolate). */
export interface SizeWatch {
  readonly share: number;
  readonly warned: Set<string>;
}

/** Sessions remembered as reported: a full set starts again (some sessions may then be reported twice). */
const MAX_WARNED = 1000;

/** How many of the largest top-level keys an event names. */
const LARGEST = 3;

/**
 * Validates `sizeWarning`: a share from 0 (excluded) to 1, default 0.75; `false` turns the event off.
 *
 * @example
 * ```ts
 * sizeWatchOf(undefined)?.share; // 0.75
 * sizeWatchOf(false); // undefined: no size events
 * ```
 */
export function sizeWatchOf(option: number | false | undefined): SizeWatch | undefined {
  if (option === false) return undefined;
  const share = option === undefined ? 0.75 : option; // null is refused, not read as the default
  if (typeof share !== "number" || !(share > 0 && share <= 1)) {
    throw new SessionConfigError("sizeWarning must be a share of the budget above 0 and at most 1 (e.g. 0.75), or false");
  }
  return { share, warned: new Set() };
}

/**
 * One request's size check: `measure` goes to the mode's save, `report` then sends a `size` event when the
 * write passed the share, the first time it does for this session id (again after it fell below).
 *
 * @example
 * ```ts
 * const probe = sizeProbe(watch);
 * await mode.save(envelope, { ...context, measure: probe.measure });
 * probe.report(envelope.meta.id, envelope.data, emit);
 * ```
 */
export function sizeProbe(watch: SizeWatch): {
  measure: Measure;
  report(id: string, data: SessionData, emit: (event: RawEvent) => void): void;
} {
  let measured: { bytes: number; limit: number } | undefined;
  return {
    measure: (bytes, limit) => void (measured = { bytes, limit }),
    report(id, data, emit) {
      if (!measured) return; // nothing written, or a store that declares no limit
      const { bytes, limit } = measured;
      const share = bytes / limit;
      const { warned } = watch;
      if (share < watch.share) {
        warned.delete(id); // fell back: a later crossing is news again
        return;
      }
      if (warned.has(id)) return;
      if (warned.size >= MAX_WARNED) warned.clear();
      warned.add(id);
      emit({ type: "size", id, share: Math.round(share * 100) / 100, bytes, limit, largest: largestKeys(data) });
    },
  };
}

/** The names (never the values) of the largest top-level keys by their JSON size, largest first. */
function largestKeys(data: SessionData): string[] {
  return Object.keys(data)
    .map((key) => ({ key, size: JSON.stringify(data[key])?.length ?? 0 }))
    .sort((a, b) => b.size - a.size)
    .slice(0, LARGEST)
    .map(({ key }) => key);
}

/**
 * About how long a stored value sealed from `json` is (base64url of the UTF-8 bytes, plus the JWE header,
 * IV and tag): for stores that seal the session themselves, where the sealed value is not seen.
 *
 * @example
 * ```ts
 * sealedSize('{"i":"..."}'); // 215: 11 bytes as base64url, and the framing rounded up
 * ```
 */
export function sealedSize(json: string): number {
  return Math.ceil((new TextEncoder().encode(json).byteLength * 4) / 3) + SEAL_OVERHEAD;
}

/** JWE compact header, IV, tag and dots of a sealed value, and the key it is bound to (rounded up). */
const SEAL_OVERHEAD = 200;
