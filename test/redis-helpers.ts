import { env } from "cloudflare:workers";
import { RedisStore, type RedisStoreOptions } from "../src/redis/index.js";
import { REDIS_TEST_TOKEN, REDIS_TEST_URL } from "./redis-bridge.mjs";

export { REDIS_TEST_TOKEN, REDIS_TEST_URL };

/** Whether the test Redis runs: without redis-server, outside CI, the Redis cases skip (vitest.config.ts). */
export const REDIS_RUNS = env.TEST_REDIS === "on";

/** The rows of a per-mode table that need the test Redis: all of them when it runs, none when it does not. */
export function ifRedis<T>(...rows: T[]): T[] {
  return REDIS_RUNS ? rows : [];
}

/**
 * A RedisStore on the test Redis (a local redis-server behind test/redis-bridge.mjs), under a prefix of its
 * own: test files share one database, and a store lists only its own prefix.
 */
export function redisStore(options: Partial<RedisStoreOptions> = {}): RedisStore {
  return new RedisStore({ url: REDIS_TEST_URL, token: REDIS_TEST_TOKEN, prefix: `test-${crypto.randomUUID()}:`, ...options });
}

/** Sends one raw command to the test Redis, as the store does: what a test reads or plants behind its back. */
export async function redis(command: (string | number)[]): Promise<unknown> {
  const response = await fetch(REDIS_TEST_URL, {
    method: "POST",
    headers: { Authorization: `Bearer ${REDIS_TEST_TOKEN}` },
    body: JSON.stringify(command),
  });
  const body = (await response.json()) as { result?: unknown; error?: string };
  if (body.error !== undefined) throw new Error(body.error);
  return body.result;
}
