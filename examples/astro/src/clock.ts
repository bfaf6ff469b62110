// The session's clock. Only the tests move it (POST /__clock, with EXAMPLE_TEST_CLOCK=1), so that idle
// expiry is checked without waiting; an app would leave `now` out.
let offset = 0;

export const now = () => Date.now() + offset;

export function advance(seconds: number): void {
  offset += seconds * 1000;
}
