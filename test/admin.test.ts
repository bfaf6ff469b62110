import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  EXPIRED_GRACE,
  listActiveSessions,
  MemoryStore,
  purgeExpired,
  SessionConfigError,
  SessionStoreError,
  type ActiveSession,
  type SessionStore,
  type StoreKey,
} from "../src/index.js";
import { jar, testClock } from "./helpers.js";
import { CountingStore, FaultyStore, kvStore, storeApp, TtlLessStore, visit } from "./stores.js";

/** Creates `count` server-side sessions one minute apart; returns their ids, oldest first. */
async function sessionsEveryMinute(
  store: SessionStore | KVNamespace,
  clock: ReturnType<typeof testClock>,
  count: number,
  idleTimeout = 3600,
) {
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
    expect(latest).toEqual({
      key: ids[4],
      created: start + 240_000,
      lastUsed: start + 240_000,
      expires: start + 240_000 + 3600_000,
      lifetime: 0,
    });
    expect(counting.count("get")).toBe(0);

    expect((await allPages(kv, { now: clock.now() })).sessions).toHaveLength(5);
  });

  it("tells each session's lifetime: remembered on the device (setLimits) or until the browser closes, absent in older metadata", async () => {
    const clock = testClock(Math.floor(Date.now() / 1000) * 1000);
    const kv = kvStore();
    const app = storeApp({ store: kv, now: clock.now, idleTimeout: 3600, maxLifetime: 30 * 86400 });
    app.get("/remember", (c) => {
      c.var.session.setLimits({ lifetime: 30 * 86400 }); // "keep me signed in"
      return c.text("remembered");
    });
    const browser = (await visit(app, "/user/someone", jar())).body.id;
    const j = jar();
    const remembered = (await visit(app, "/user/someone", j)).body.id;
    await visit(app, "/remember", j);
    await kv.set("older", "x", {
      ttl: 600,
      metadata: { created: clock.now() / 1000, lastUsed: clock.now() / 1000, expires: clock.now() / 1000 + 600 },
    });
    const { sessions } = await allPages(kv, { now: clock.now() });
    const byKey = new Map(sessions.map((s) => [s.key, s]));
    expect(byKey.get(browser)!.lifetime).toBe(0);
    expect(byKey.get(remembered)!.lifetime).toBe(30 * 86400);
    expect(byKey.get("older")).not.toHaveProperty("lifetime");
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
    await expect(listActiveSessions(new FaultyStore(kvStore()).fail("list"))).rejects.toMatchObject({
      code: "STORE_UNAVAILABLE",
      operation: "list",
    });
  });
});

describe("purgeExpired, for stores without TTL", () => {
  it("takes a KV binding, like listActiveSessions (nothing due there: KV's TTL drops entries itself)", async () => {
    const clock = testClock(Date.now());
    const ns = `purge-${crypto.randomUUID()}:`;
    const kv = env.SESSIONS;
    await kv.put(`${ns}a`, "x", { metadata: { created: 1, lastUsed: 1, expires: 2 }, expirationTtl: 3600 });
    const result = await purgeExpired(kv, { now: clock.now() });
    expect(result.scanned).toBeGreaterThanOrEqual(1);
    expect(await kv.get(`${ns}a`)).toBe("x"); // listed with its KV expiration, which is in the future
  });

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

/** A custom store whose list answers the given pages in turn (whatever it is asked), and fails past the last. */
function pagedStore(pages: unknown[]) {
  const asked: (string | undefined)[] = [];
  const store: SessionStore = {
    get: async () => null,
    set: async () => {},
    delete: async () => {},
    list: async ({ cursor }) => {
      asked.push(cursor);
      if (asked.length > pages.length) throw new Error(`listed ${asked.length} times`);
      return pages[asked.length - 1] as { keys: StoreKey[]; cursor?: string };
    },
  };
  return { store, asked };
}

/** The error a call rejects with. */
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as SessionStoreError,
  );

describe("listActiveSessions: metadata someone with write access forged", () => {
  const NOW = Date.UTC(2026, 10, 24, 9, 0, 0);
  const s = NOW / 1000;

  it("skips and counts metadata no session could have, allowing 60 s of clock skew", async () => {
    const store = new MemoryStore({ now: () => NOW });
    const put = (name: string, metadata: Record<string, unknown>) => store.set(name, "x", { ttl: 600, metadata });
    await put("real", { created: s - 600, lastUsed: s - 60, expires: s + 1740 });
    await put("ahead-within-skew", { created: s + 60, lastUsed: s + 60, expires: s + 1860 });
    await put("year-287000", { created: s - 600, lastUsed: 8_994_000_000_000, expires: 8_994_000_001_800 });
    await put("ahead-past-skew", { created: s - 600, lastUsed: s + 61, expires: s + 1861 });
    await put("created-after-lastUsed", { created: s - 10, lastUsed: s - 600, expires: s + 1200 });
    await put("lastUsed-after-expires", { created: s - 600, lastUsed: s - 10, expires: s - 20 });
    await put("expires-past-any-date", { created: s - 600, lastUsed: s - 60, expires: 9_000_000_000_000 });
    await put("created-ahead", { created: s + 3600, lastUsed: s + 3600, expires: s + 7200 });
    await put("wrong-types", { created: "yesterday", lastUsed: s, expires: s + 600 });
    await put("not-a-session", { owner: "another app" });
    const page = await listActiveSessions(store, { now: NOW });
    expect(page.sessions.map((x) => x.key).sort()).toEqual(["ahead-within-skew", "real"]);
    expect(page.skipped).toBe(7);
    expect(page.cursor).toBeUndefined();
    // Expired and not-yet-used-since entries are filtered, not skipped: they are possible.
    expect(await listActiveSessions(store, { now: NOW, since: NOW })).toMatchObject({
      sessions: [{ key: "ahead-within-skew" }],
      skipped: 7,
    });
  });
});

describe("admin helpers: a custom store's listing that breaks the contract", () => {
  it.each([
    ["no page at all", null, "null"],
    ["keys that are not an array", { keys: "k1,k2" }, "string"],
    ["a key without a name", { keys: [{ expiration: 1 }] }, "undefined"],
    ["a key named by a number", { keys: [{ name: 7 }] }, "number"],
    ["an expiration that is not a number", { keys: [{ name: "k", expiration: "soon" }] }, "string"],
    ["metadata that is not an object", { keys: [{ name: "k", metadata: "created=1" }] }, "string"],
    ["a cursor that is not a string", { keys: [], cursor: 2 }, "number"],
  ])("%s is a SessionStoreError (list) whose cause names the contract", async (_, page, type) => {
    for (const helper of [(store: SessionStore) => listActiveSessions(store), (store: SessionStore) => purgeExpired(store)]) {
      const error = await failure(helper(pagedStore([page]).store));
      expect(error).toBeInstanceOf(SessionStoreError);
      expect(error).toMatchObject({ operation: "list" });
      expect(error!.cause).toBeInstanceOf(TypeError);
      expect((error!.cause as TypeError).message).toBe(
        `SessionStore.list must return { keys: { name: string, expiration?: number, metadata?: object }[], cursor?: string }; got ${type}`,
      );
    }
  });

  it("reads null fields as absent: null expiration never makes purgeExpired delete", async () => {
    const page = { keys: [{ name: "k", expiration: null, metadata: null }], cursor: null };
    expect(await listActiveSessions(pagedStore([page]).store)).toEqual({ sessions: [], cursor: undefined, skipped: 0 });
    expect(await purgeExpired(pagedStore([page]).store, { now: 10 ** 13 })).toEqual({ scanned: 1, purged: 0 });
  });

  it("an empty cursor ends the listing: purgeExpired stops, listActiveSessions returns no cursor", async () => {
    const page = { keys: [{ name: "k", expiration: 1 }], cursor: "" };
    const purging = pagedStore([page]);
    expect(await purgeExpired(purging.store)).toEqual({ scanned: 1, purged: 1 });
    expect(purging.asked).toEqual([undefined]);
    expect((await listActiveSessions(pagedStore([page]).store)).cursor).toBeUndefined();
  });

  it("a cursor the store hands out again fails with a SessionStoreError instead of listing forever", async () => {
    const page = (cursor: string) => ({ keys: [{ name: `k-${cursor}`, expiration: 1 }], cursor });
    for (const cursors of [
      ["same", "same"],
      ["a", "b", "a"],
    ]) {
      const { store, asked } = pagedStore(cursors.map(page));
      const error = await failure(purgeExpired(store));
      expect(error).toBeInstanceOf(SessionStoreError);
      expect(error).toMatchObject({ operation: "list" });
      expect((error!.cause as Error).message).toBe("SessionStore.list repeated a cursor: the listing would never end");
      expect(asked).toHaveLength(cursors.length); // stopped at the first repeat
    }
    // One page at a time, listActiveSessions sees a repeat when the store answers the cursor it was given.
    const error = await failure(listActiveSessions(pagedStore([page("x")]).store, { cursor: "x" }));
    expect(error).toMatchObject({
      operation: "list",
      cause: expect.objectContaining({ message: expect.stringContaining("repeated a cursor") }),
    });
  });
});
