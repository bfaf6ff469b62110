/**
 * What the store contract suites share: the test runner's functions they register with, the clock they move,
 * and assertions that throw a `SessionStoreContractError` saying what was expected (no test framework imported).
 */

/** A test function as vitest, Jest, Mocha, `bun:test` and `node:test` all have it. */
export type TestFunction = (name: string, body: () => Promise<void>) => unknown;

/** The two functions of your test runner the suite registers its cases with (`import { describe, it } from "vitest"`). */
export interface TestApi {
  describe: (name: string, body: () => void) => unknown;
  /** Its `skip` (where the runner has one) shows the cases left out, e.g. expiry without a `clock`. */
  it: TestFunction & { skip?: TestFunction };
}

/** A clock tests move by hand, never sleeping: give its `now` to the store, and it to the suite. */
export interface TestClock {
  /** ms since epoch. */
  now(): number;
  advance(seconds: number): void;
}

/** A {@link TestClock} starting at `start` (ms since epoch; default the real time, to the second). */
export function testClock(start: number = Math.floor(Date.now() / 1000) * 1000): TestClock {
  let t = start;
  return {
    now: () => t,
    advance(seconds) {
      t += seconds * 1000;
    },
  };
}

/** Registers cases that move the clock, or shows them skipped (where the runner can) without one. */
export function timedCases(it: TestApi["it"], clock: TestClock | undefined) {
  return (title: string, body: (clock: TestClock) => Promise<void>) => {
    if (clock) it(title, () => body(clock));
    else it.skip?.(`${title} (needs a clock)`, async () => {});
  };
}

export function check(condition: boolean, what: string): void {
  if (!condition) fail(`expected: ${what}`);
}

/** Deep equality of plain data (what stores answer), keys in any order; `undefined` members count as absent. */
export function same(actual: unknown, expected: unknown, what: string): void {
  if (canonical(actual) !== canonical(expected)) fail(`${what}: expected ${canonical(expected)}, got ${canonical(actual)}`);
}

function canonical(value: unknown): string {
  if (value === undefined) return "undefined";
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === "object" && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

export function fail(message: string): never {
  const error = new Error(message.length > 2000 ? `${message.slice(0, 2000)}…` : message);
  error.name = "SessionStoreContractError";
  throw error;
}
