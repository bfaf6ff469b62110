import { SessionConfigError } from "./errors.js";

/**
 * Every key of an options interface, each `true`. Typed as `KnownKeys<Options>`, a list that misses a key or
 * names one the interface lacks does not compile: an option added to the interface cannot be left unchecked.
 *
 * @example
 * ```ts
 * const COOKIE_OPTIONS: KnownKeys<CookieOptions> = { name: true, path: true, ... };
 * ```
 */
export type KnownKeys<T> = { readonly [K in keyof T]-?: true };

/**
 * Refuses an options object with a key the library does not know (`SessionConfigError`): a typo such as
 * `idleTimout` would otherwise switch a control off without a word, and JavaScript callers have no type check.
 * The message names the key and, when one is close, the option meant; never a value. Symbol keys are
 * ignored; a known key set to `undefined` is fine. Anything but an object is left to the caller's own checks.
 *
 * @example
 * ```ts
 * checkKeys(options, COOKIE_OPTIONS, "cookie"); // cookie: unknown option "samesite" (did you mean sameSite?)
 * ```
 */
export function checkKeys(options: unknown, known: Readonly<Record<string, true>>, where: string): void {
  if (typeof options !== "object" || options === null) return;
  for (const key of Object.keys(options)) {
    if (Object.hasOwn(known, key)) continue;
    const names = Object.keys(known);
    const meant = nearest(key, names);
    const hint = meant === undefined ? `known: ${names.join(", ")}` : `did you mean ${meant}?`;
    throw new SessionConfigError(`${where}: unknown option ${JSON.stringify(key)} (${hint})`);
  }
}

/** The known name closest to `key` (case aside), when it is close enough to be a typo of it. */
function nearest(key: string, names: readonly string[]): string | undefined {
  const typed = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.min(2, Math.floor(typed.length / 3)) + 1;
  for (const name of names) {
    const distance = editDistance(typed, name.toLowerCase(), bestDistance);
    if (distance < bestDistance) [best, bestDistance] = [name, distance];
  }
  return best;
}

/**
 * Levenshtein distance with adjacent transpositions (optimal string alignment), or `limit` once it is
 * certain to reach it: keys are short, and most names are far from a typo.
 */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      row.push(d);
    }
    [before, previous] = [previous, row];
  }
  return Math.min(previous[b.length]!, limit);
}
