// The session's clock: real time plus an offset that only the test-only route /__clock moves
// (EXAMPLE_TEST_CLOCK=1), so the HTTP scenario can let a session go idle without waiting.
let offset = 0;

export const now = () => Date.now() + offset;

export function advance(seconds: number) {
  offset += seconds * 1000;
}
