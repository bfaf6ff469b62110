import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  EXPIRED_GRACE,
  listActiveSessions,
  purgeExpired,
  SessionConfigError,
  type ActiveSession,
  type SessionStore,
} from "../src/index.js";
import { jar, testClock } from "./helpers.js";
import { CountingStore, FaultyStore, kvStore, storeApp, TtlLessStore, visit } from "./stores.js";

/** Creates `count` server-side sessions one minute apart; returns their ids, oldest first. */
async function sessionsEveryMinute(store: SessionStore | KVNamespace, clock: ReturnType<typeof testClock>, count: number, idleTimeout = 3600) {
  const app = storeApp({ store, now: clock.now, idleTimeout });
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    if (i) clock.advance(60);
    ids.push((await visit(app, "/user/someone", jar())).body.id);
  }
  return ids;
}

async function allPages(store: SessionStore | KVNamespace, options: { since?: number; now?: number; limit?: number }) {
  const sessions: ActiveSession[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await listActiveSessions(store, { ...options, cursor });
    expect(page.sessions.length).toBeLessThanOrEqual(options.limit ?? 1000);
    sessions.push(...page.sessions);
    cursor = page.cursor;
    pages++;
  } while (cursor !== undefined);
  return { sessions, pages };
}

describe("listActiveSessions", () => {
  it("pages through KV with a cursor, returning who was active since a time, from metadata only", async () => {
    const kv = kvStore();
    const counting = new CountingStore(new FaultyStore(kv).fail("get")); // reading a value would fail the test
    const clock = testClock(Math.floor(Date.now() / 1000) * 1000); // KV expires by real time
    const start = clock.now();
    const ids = await sessionsEveryMinute(kv, clock, 5);

    const { sessions, pages } = await allPages(counting, { since: start + 150_000, now: clock.now(), limit: 2 });
    expect(pages).toBe(3);
    expect(sessions.map((s) => s.key).sort()).toEqual([ids[3], ids[4]].sort());
    const latest = sessions.find((s) => s.key === ids[4])!;
    expect(latest).toEqual({ key: ids[4], created: start + 240_000, lastUsed: start + 240_000, expires: start + 240_000 + 3600_000 });
    expect(counting.count("get")).toBe(0);

    expect((await allPages(kv, { now: clock.now() })).sessions).toHaveLength(5);
  });

  it("leaves out sessions past their deadline and keys that are not sessions", async () => {
    const clock = testClock(Math.floor(Date.now() / 1000) * 1000);
    const kv = kvStore();
    await sessionsEveryMinute(kv, clock, 3, 100); // idle deadline 100 s after each
    await kv.set("not-a-session", "x", { ttl: 600, metadata: { owner: "someone else" } });
    await kv.set("no-metadata", "x", { ttl: 600 });
    const { sessions } = await allPages(kv, { now: clock.now() + 50_000 }); // first two have expired
    expect(sessions.map((s) => s.lastUsed)).toEqual([clock.now()]);
  });

  it("takes a KV binding directly", async () => {
    const clock = testClock(Math.floor(Date.now() / 1000) * 1000);
    const [id] = await sessionsEveryMinute(env.SESSIONS, clock, 1);
    const { sessions } = await allPages(env.SESSIONS, { since: clock.now() });
    expect(sessions.map((s) => s.key)).toContain(id);
  });

  it("needs a store that can list", async () => {
    const bare: SessionStore = { get: async () => null, set: async () => {}, delete: async () => {} };
    await expect(listActiveSessions(bare)).rejects.toThrow(SessionConfigError);
    await expect(purgeExpired(bare)).rejects.toThrow("purgeExpired needs a store with list()");
  });

  it("a listing that fails is a SessionStoreError", async () => {
    await expect(listActiveSessions(new FaultyStore(kvStore()).fail("list"))).rejects.toMatchObject({ code: "STORE_UNAVAILABLE", operation: "list" });
  });
});

describe("purgeExpired, for stores without TTL", () => {
  it("deletes what a TTL would have dropped (deadline plus grace), page by page, and keeps the rest", async () => {
    const clock = testClock();
    const store = new TtlLessStore(clock.now);
    const ids = await sessionsEveryMinute(store, clock, 5, 300);
    await store.set("foreign", "x", { ttl: 10 ** 6 });
    // Session i's entry is due 300 s + grace after its creation at i minutes.
    const secondDue = clock.now() - 3 * 60_000 + (300 + EXPIRED_GRACE) * 1000;
    expect(await purgeExpired(store, { now: secondDue, limit: 2 })).toEqual({ scanned: 6, purged: 2 });
    expect([...store.entries.keys()].sort()).toEqual([...ids.slice(2), "foreign"].sort());
    expect(await purgeExpired(store, { now: secondDue })).toEqual({ scanned: 4, purged: 0 });
  });

  it("falls back to the metadata's deadline plus grace when the listing reports no expiration", async () => {
    const clock = testClock();
    const store = new TtlLessStore(clock.now);
    await sessionsEveryMinute(store, clock, 1, 300);
    await store.set("foreign", "x", { ttl: 1 });
    const withoutExpiration: SessionStore = {
      get: (key) => store.get(key),
      set: (key, value, options) => store.set(key, value, options),
      delete: (key) => store.delete(key),
      list: async (options) => {
        const page = await store.list(options);
        return { ...page, keys: page.keys.map(({ name, metadata }) => ({ name, metadata })) };
      },
    };
    const due = clock.now() + (300 + EXPIRED_GRACE) * 1000;
    expect(await purgeExpired(withoutExpiration, { now: due - 1000 })).toEqual({ scanned: 2, purged: 0 });
    expect(await purgeExpired(withoutExpiration, { now: due })).toEqual({ scanned: 2, purged: 1 });
    expect([...store.entries.keys()]).toEqual(["foreign"]); // no expiration, no metadata: not ours to delete
  });

  it("a delete that fails stops the purge with a SessionStoreError (the next run picks up the rest)", async () => {
    const clock = testClock();
    const store = new TtlLessStore(clock.now);
    await sessionsEveryMinute(store, clock, 2, 300);
    const faulty = new FaultyStore(store).fail("delete");
    await expect(purgeExpired(faulty, { now: clock.now() + 10 ** 9 })).rejects.toMatchObject({ operation: "delete" });
    expect(store.entries.size).toBe(2);
  });
});
