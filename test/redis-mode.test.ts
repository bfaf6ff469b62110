/**
 * Server-side sessions on Redis (RedisStore over the REST protocol, a real redis-server behind
 * test/redis-bridge.mjs): the versioned mode through its compare-and-swap Lua script, proved with the
 * overlapping-request cases of d1-mode.test.ts and do-mode.test.ts.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { RedisStore } from "../src/redis/index.js";
import { EXPIRED_GRACE, SessionConfigError, SessionError } from "../src/index.js";
import { redis, redisStore, REDIS_TEST_TOKEN, REDIS_TEST_URL } from "./redis-helpers.js";
import { all, conflictCases, finalEndCases, lostUpdateCases, send, started, storeApp } from "./versioned-app.js";
import { jar, testClock } from "./helpers.js";

describe("Redis store: lost-update protection", () => {
  lostUpdateCases(() => redisStore());

  conflictCases(redisStore, async (store, id) => expect(await redis(["HGET", store.prefix + id, "ver"])).toBe("2"));

  it("refuses exclusive (no lock in Redis over REST) with SessionConfigError", () => {
    expect(
      () => new RedisStore({ url: REDIS_TEST_URL, token: REDIS_TEST_TOKEN, exclusive: { leaseMs: 1000, waitMs: 1000 } } as never),
    ).toThrow(SessionConfigError);
  });
});

describe("Redis store: destroy is final", () => {
  finalEndCases(redisStore, async (store, id) => {
    expect(await redis(["HMGET", store.prefix + id, "v", "md"])).toEqual([null, null]);
    const ttl = (await redis(["TTL", store.prefix + id])) as number;
    expect(ttl).toBeGreaterThan(600 - 5); // the session's deadline (idleTimeout 600) plus the skew
    expect(ttl).toBeLessThanOrEqual(660);
  });
});

describe("Redis store: expiry and failures", () => {
  it("an idle session is kept a day past its deadline so the visitor is told why, and Redis holds it that long", async () => {
    const clock = testClock();
    const store = redisStore({ now: clock.now });
    const app = storeApp(store, {}, { idleTimeout: 60, now: clock.now });
    const { j, id } = await started(app);
    const ttl = (await redis(["TTL", store.prefix + id])) as number;
    expect(ttl).toBeGreaterThan(60 + EXPIRED_GRACE - 5);
    expect(ttl).toBeLessThanOrEqual(60 + EXPIRED_GRACE + 1);
    clock.advance(61);
    expect(await all(app, j.header())).toMatchObject({ isNew: true, expired: "idle" });
    clock.advance(EXPIRED_GRACE);
    expect(await all(app, j.header())).toMatchObject({ isNew: true, invalid: "missing" });
  });

  it.each([
    ["a wrong token (HTTP 401)", { token: "wrong-token" }],
    ["an endpoint that does not speak the protocol", { url: "https://not-redis.test/" }],
  ])("%s: a write fails with 503, no cookie, and the stored session unchanged; the token is in no message", async (_, broken) => {
    const store = redisStore();
    const app = storeApp(store);
    const { j } = await started(app);
    const errors: unknown[] = [];
    const failing = storeApp(new RedisStore({ url: REDIS_TEST_URL, token: REDIS_TEST_TOKEN, prefix: store.prefix, ...broken }));
    failing.onError((err) => (errors.push(err), (err as SessionError).getResponse()));
    const res = await send(failing, "/set/k/v", { method: "POST", headers: j.header() });
    expect(res.status).toBe(503);
    expect(res.headers.get("Set-Cookie")).toBeNull();
    expect((await all(app, j.header())).data).toEqual({ init: "yes" });
    expect(errors).toHaveLength(1);
    const error = errors[0] as Error & { cause: Error };
    expect(error.name).toBe("SessionStoreError");
    expect(`${error.message} ${error.cause.message}`).not.toMatch(/token/i);
  });
});

describe("Redis store: work per request", () => {
  afterEach(() => vi.restoreAllMocks());

  it("a read within touchAfter is one HMGET; a change is one HMGET and one EVAL; each one request with the bearer token", async () => {
    const clock = testClock();
    const app = storeApp(redisStore({ now: clock.now }), {}, { now: clock.now });
    const { j } = await started(app);
    const spy = vi.spyOn(globalThis, "fetch");
    const commands = () => spy.mock.calls.map(([, init]) => (JSON.parse(String(init?.body)) as string[])[0]);
    clock.advance(1);
    await send(app, "/all", { headers: j.header() });
    expect(commands()).toEqual(["HMGET"]);
    spy.mockClear();
    await send(app, "/set/k/v", { method: "POST", headers: j.header() });
    expect(commands()).toEqual(["HMGET", "EVAL"]);
    for (const [url, init] of spy.mock.calls) {
      expect(String(url)).toBe(REDIS_TEST_URL);
      expect(new Headers(init?.headers).get("Authorization")).toBe(`Bearer ${REDIS_TEST_TOKEN}`);
      expect(init?.method).toBe("POST");
    }
    spy.mockClear();
    await send(app, "/logout", { method: "POST", headers: j.header() });
    expect(commands()).toEqual(["HMGET", "EVAL"]);
  });
});

describe("Redis store: stores sharing a database and a secret", () => {
  it("a value copied to the same id under another prefix does not open there (values are bound to the store's prefix)", async () => {
    const p = redisStore();
    const q = redisStore();
    const j = jar();
    const appP = storeApp(p);
    j.take(await appP.request("/set/user/alice", { method: "POST" }));
    const { id } = (await (await appP.request("/all", { headers: j.header() })).json()) as { id: string };
    expect(await redis(["COPY", p.prefix + id, q.prefix + id])).toBe(1);
    const appQ = storeApp(q);
    expect(await (await appQ.request("/all", { headers: j.header() })).json()).toMatchObject({
      isNew: true,
      invalid: "tampered",
      data: {},
    });
    expect(await (await appP.request("/all", { headers: j.header() })).json()).toMatchObject({ isNew: false, data: { user: "alice" } });
  });
});
