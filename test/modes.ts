import { env } from "cloudflare:workers";
import { DurableObjectStore } from "../src/durable-object/store.js";
import { MemoryStore, type SessionOptions } from "../src/index.js";
import { d1Store } from "./d1-helpers.js";
import type { testClock } from "./helpers.js";
import { ifRedis, redisStore } from "./redis-helpers.js";
import { kvStore } from "./stores.js";

/** A test's clock, which the stores of a mode read too. */
export type Clock = ReturnType<typeof testClock>;

/** One way a session can live, built on the test's clock; `big`: the mode's way of holding a large session is exercised. */
export interface Mode {
  mode: string;
  options: (clock: Clock) => Partial<SessionOptions>;
  big?: boolean;
}

/**
 * Every mode the middleware can be configured with, for tests that must hold in each: the cookie (one, chunks),
 * overflow to KV, every server-side store, and revocation checks. The Redis row runs where the test Redis does.
 */
export const MODES: Mode[] = [
  { mode: "cookie", options: () => ({}) },
  { mode: "cookie, chunks", options: () => ({ cookie: { chunks: 3 } }), big: true },
  { mode: "overflow (KV)", options: () => ({ overflow: kvStore() }), big: true },
  { mode: "store: MemoryStore", options: (clock) => ({ store: new MemoryStore({ now: clock.now }) }) },
  { mode: "store: KV", options: () => ({ store: kvStore() }) },
  { mode: "store: D1", options: (clock) => ({ store: d1Store({ now: clock.now }) }) },
  ...ifRedis<Mode>({ mode: "store: Redis", options: (clock) => ({ store: redisStore({ now: clock.now }) }) }),
  { mode: "store: Durable Object", options: () => ({ store: new DurableObjectStore(env.SESSION_OBJECTS) }) },
  { mode: "cookie + revocation", options: () => ({ revocation: { namespace: env.SESSION_OBJECTS } }) },
];
