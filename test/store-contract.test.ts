/**
 * The SessionStore contract suite of edge-session/testing, run on every store of the library: what a user
 * writing a store runs on theirs.
 */
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { DurableObjectStore, MemoryStore } from "../src/index.js";
import { describeSessionStore, testClock } from "../src/testing/index.js";
import { d1Store } from "./d1-helpers.js";
import { kvStore } from "./stores.js";
import { REDIS_RUNS, redisStore } from "./redis-helpers.js";

const clock = testClock();

describeSessionStore("MemoryStore", () => new MemoryStore({ now: clock.now }), { describe, it, clock });
// KV's TTL runs on real time (at least 60 s): no clock, the expiry cases are skipped.
describeSessionStore("KVStore", kvStore, { describe, it });
describeSessionStore("D1Store", () => d1Store({ now: clock.now }), { describe, it, clock, versioned: true });
// One object per key, on the object's own clock; objects cannot be listed. Every key of a case is fresh.
describeSessionStore(
  "DurableObjectStore",
  () => {
    const store = new DurableObjectStore(env.SESSION_OBJECTS);
    const prefix = `${crypto.randomUUID()}-`;
    return new Proxy(store, {
      get(target, property, receiver) {
        // Keys under a fresh prefix per case, as the objects outlive the case; the capability stays this proxy's.
        if (property === "versioned") return receiver;
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== "function" || !["get", "set", "delete", "read", "write", "end", "release"].includes(property as string))
          return value;
        return (key: string, ...rest: unknown[]) => {
          // A write that replaces a key (regenerate) names that key too.
          const [request] = rest as [{ replaces?: string } | undefined];
          if (property === "write" && request?.replaces !== undefined) rest = [{ ...request, replaces: prefix + request.replaces }];
          return (value as (...args: unknown[]) => unknown).call(target, prefix + key, ...rest);
        };
      },
    });
  },
  { describe, it, list: false, versioned: true },
);
// Redis through its REST protocol, on a real redis-server (test/redis-global-setup.mjs, test/redis-bridge.mjs).
describeSessionStore("RedisStore", () => redisStore({ now: clock.now }), {
  describe: REDIS_RUNS ? describe : describe.skip,
  it,
  clock,
  versioned: true,
});
