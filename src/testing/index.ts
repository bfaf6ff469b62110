/**
 * `edge-session/testing`: for your tests, never for production code.
 *
 * - {@link describeSessionStore}: the `SessionStore` contract suite the library runs on its own stores,
 *   for a store you write (takes your runner's `describe`/`it`: no test framework is a dependency).
 * - {@link sessionCookie}: a valid session cookie for a test user, made with your app's options.
 * - {@link openSetCookie}: the session a response set, opened with your app's options.
 *
 * @example
 * ```ts
 * import { describe, it } from "vitest";
 * import { describeSessionStore, testClock } from "edge-session/testing";
 *
 * const clock = testClock();
 * describeSessionStore("MyStore", () => new MyStore({ now: clock.now }), { describe, it, clock });
 * ```
 */
export {
  describeSessionStore,
  testClock,
  type SessionStoreSuiteOptions,
  type TestApi,
  type TestClock,
  type TestFunction,
} from "./store-contract.js";
export { openSetCookie, sessionCookie, type SessionCookieOptions, type SetSessionCookie, type TestSessionOptions } from "./cookies.js";
