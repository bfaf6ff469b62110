// The session's clock: real time plus an offset that only the test-only route /__clock moves
// (EXAMPLE_TEST_CLOCK=1), so the HTTP scenario can let a session go idle without waiting. On globalThis:
// Next bundles proxy.ts, route handlers and server actions apart, each with its own copy of this module.
const shared = globalThis as typeof globalThis & { exampleClockOffset?: number };

export const now = () => Date.now() + (shared.exampleClockOffset ?? 0);

export function advance(seconds: number) {
  shared.exampleClockOffset = (shared.exampleClockOffset ?? 0) + seconds * 1000;
}
