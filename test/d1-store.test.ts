import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { D1_LIMITS, D1_SCHEMA, D1Store, isD1Database } from "../src/d1/index.js";
import { prefixEnd } from "../src/d1/d1-table.js";
import {
  EXPIRED_GRACE,
  KVStore,
  listActiveSessions,
  MemoryStore,
  purgeExpired,
  SessionConfigError,
  SessionStoreError,
  SessionTooLargeError,
  type StoredMetadata,
} from "../src/index.js";
import { d1Store, rowOf } from "./d1-helpers.js";
import { jar, testClock } from "./helpers.js";
import { storeApp, visit } from "./stores.js";

/** Comments out, whitespace collapsed: a statement as SQLite runs it. */
const statement = (sql: string) =>
  sql
    .split("\n")
    .map((line) => line.replace(/--.*$/, ""))
    .join(" ")
    .replace(/\s+/g, " ")
    .replace(/\( /g, "(")
    .replace(/ \)/g, ")")
    .trim();

/** Session metadata (seconds) as the library writes it beside a session used at `lastUsed` (ms). */
const metadataAt = (lastUsed: number, idle = 3600): StoredMetadata => {
  const seconds = Math.floor(lastUsed / 1000);
  return { created: seconds, lastUsed: seconds, expires: seconds + idle };
};

/** A D1 binding whose every call fails, with a message that must not reach the caller's error message. */
const failingDb = {
  prepare: () => {
    const statement = {
      bind: () => statement,
      first: () => Promise.reject(new Error("D1_ERROR: network lost")),
      run: () => Promise.reject(new Error("D1_ERROR: network lost")),
      all: () => Promise.reject(new Error("D1_ERROR: network lost")),
    };
    return statement;
  },
  batch: () => Promise.reject(new Error("D1_ERROR: network lost")),
} as unknown as D1Database;

describe("D1 schema", () => {
  it("D1_SCHEMA is the migration file, statement for statement", () => {
    const [migration] = env.TEST_MIGRATIONS;
    expect(migration!.name).toBe("0001_sessions.sql");
    expect(migration!.queries.map(statement)).toEqual(D1_SCHEMA.map(statement));
  });

  it("applies twice without error (IF NOT EXISTS), and the activity and expiry queries use their indexes", async () => {
    await env.SESSIONS_DB.batch(D1_SCHEMA.map((sql) => env.SESSIONS_DB.prepare(sql)));
    const plan = async (sql: string, ...bindings: unknown[]) =>
      (
        await env.SESSIONS_DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
          .bind(...bindings)
          .all<{ detail: string }>()
      ).results
        .map((r) => r.detail)
        .join("; ");
    const scoped = "AND +key >= ? AND +key < ?";
    expect(
      await plan(`SELECT count(*) FROM sessions WHERE last_used BETWEEN ? AND ? AND deadline > ? ${scoped}`, 1, 2, 3, "a", "b"),
    ).toMatch(/COVERING INDEX sessions_by_activity/);
    expect(
      await plan(
        `DELETE FROM sessions WHERE key IN (SELECT key FROM sessions WHERE expires <= ? ${scoped} ORDER BY expires LIMIT 10)`,
        1,
        "a",
        "b",
      ),
    ).toMatch(/INDEX sessions_by_expiry/);
  });
});

describe("D1Store: rows", () => {
  it("a server-side session is stored sealed, with its version, expiry and metadata in columns (seconds)", async () => {
    const clock = testClock();
    const store = d1Store({ now: clock.now });
    const app = storeApp({ store, now: clock.now, idleTimeout: 600 });
    const visitor = jar();
    const { body } = await visit(app, "/user/alice-in-plaintext", visitor);
    const row = (await rowOf(store, body.id))!;
    const now = Math.floor(clock.now() / 1000);
    expect(row).toMatchObject({ version: 1, created: now, last_used: now, deadline: now + 600, expires: now + 600 + EXPIRED_GRACE });
    expect(JSON.parse(row.metadata!)).toEqual({ created: now, lastUsed: now, expires: now + 600, lifetime: 0 });
    expect(row.value).toMatch(/^[\w-]+\.\.[\w-]+\.[\w-]+\.[\w-]+$/); // a compact JWE (dir: empty key segment)
    expect(JSON.stringify(row)).not.toContain("alice");
    clock.advance(30);
    await visit(app, "/inc", visitor);
    expect(await rowOf(store, body.id)).toMatchObject({ version: 2, created: now, last_used: now + 30 });
  });

  it("an expired row is a miss at once, as in KV (without KV's 60 s minimum)", async () => {
    const clock = testClock();
    const store = d1Store({ now: clock.now });
    await store.set("k", "v", { ttl: 5 });
    clock.advance(4);
    expect(await store.get("k")).toBe("v");
    clock.advance(1);
    expect(await store.get("k")).toBeNull();
    expect(await store.read("k")).toEqual({ state: "missing" });
    expect(await rowOf(store, "k")).not.toBeNull(); // still held until purged
  });

  it("a fractional ttl is rounded up, never down", async () => {
    const clock = testClock();
    const store = d1Store({ now: clock.now });
    await store.set("k", "v", { ttl: 0.2 });
    expect(await store.get("k")).toBe("v");
    expect((await rowOf(store, "k"))!.expires).toBe(clock.now() / 1000 + 1);
  });

  it("refuses bad input with typed errors before D1 is called", async () => {
    const store = new D1Store(failingDb);
    const refused = (call: () => Promise<unknown>) =>
      call().then(
        () => "resolved",
        (error: unknown) => error,
      );
    for (const ttl of [-1, Number.NaN, Infinity, 11 * 365 * 24 * 3600, "60" as unknown as number]) {
      expect(await refused(() => store.set("k", "v", { ttl }))).toBeInstanceOf(SessionConfigError);
    }
    expect(await refused(() => store.set("k", "v", undefined as never))).toBeInstanceOf(SessionConfigError);
    expect(await refused(() => store.set("k", 42 as unknown as string, { ttl: 60 }))).toBeInstanceOf(SessionConfigError);
    for (const key of ["", 7 as unknown as string, "\uD800lone"]) {
      expect(await refused(() => store.get(key))).toBeInstanceOf(SessionConfigError);
      expect(await refused(() => store.delete(key))).toBeInstanceOf(SessionConfigError);
    }
    expect(await refused(() => store.set("k", "a\uDC00b", { ttl: 60 }))).toBeInstanceOf(SessionConfigError);
    expect(await refused(() => store.set("k", "v", { ttl: 60, metadata: { n: 1n } as never }))).toBeInstanceOf(SessionConfigError);
    expect(await refused(() => store.set("k", "v", { ttl: 60, metadata: [] as never }))).toBeInstanceOf(SessionConfigError);
    expect(await refused(() => store.write("k", { value: "v", ttl: 60, expected: -1 }))).toBeInstanceOf(SessionConfigError);
    expect(await refused(() => store.write("k", { value: "v", ttl: 1.5 }))).toBeInstanceOf(SessionConfigError);
    expect(await refused(() => store.read("k", { token: "t", leaseMs: 1000, waitMs: 0 }))).toBeInstanceOf(SessionConfigError);
    expect(await refused(() => store.list({ cursor: 3 as unknown as string }))).toBeInstanceOf(SessionConfigError);
    expect(await refused(() => store.activeSince(0, { cursor: "not-a-cursor" }))).toBeInstanceOf(SessionConfigError);
    expect(await refused(() => store.countActiveSince(Number.NaN))).toBeInstanceOf(SessionConfigError);
    expect(await refused(() => store.activityBuckets({ since: 0, until: 1000, bucketSeconds: 0 }))).toBeInstanceOf(SessionConfigError);
    expect(await refused(() => store.purge({ batch: 0 }))).toBeInstanceOf(SessionConfigError);
    for (const call of [
      () => store.list(null as never),
      () => store.write("k", null as never),
      () => store.countActiveSince(0, null as never),
      () => store.activeSince(0, null as never),
      () => store.activityBuckets(null as never),
      () => store.purge(null as never),
    ]) {
      expect(await refused(call)).toBeInstanceOf(SessionConfigError);
    }
  });

  it("a clock that answers no time is a SessionConfigError, not every row live or dead", async () => {
    for (const now of [() => Number.NaN, () => -1, () => "soon" as unknown as number]) {
      const store = d1Store({ now });
      await expect(store.get("k")).rejects.toBeInstanceOf(SessionConfigError);
      await expect(store.set("k", "v", { ttl: 60 })).rejects.toBeInstanceOf(SessionConfigError);
      await expect(store.write("k", { value: "v", ttl: 60, expected: 0 })).rejects.toBeInstanceOf(SessionConfigError);
      await expect(store.countActiveSince(0)).rejects.toBeInstanceOf(SessionConfigError);
    }
  });

  it("metadata null is no metadata, as undefined", async () => {
    const store = d1Store();
    await store.set("k", "v", { ttl: 60, metadata: null as never });
    expect((await store.list()).keys).toEqual([{ name: "k", expiration: expect.any(Number), metadata: undefined }]);
  });

  it("checks its limits (bytes, not characters) before D1 is called: SessionTooLargeError", async () => {
    const store = new D1Store(failingDb, { prefix: "p:" });
    await expect(store.set("k".repeat(511), "v", { ttl: 60 })).rejects.toMatchObject({ code: "TOO_LARGE", size: 513, limit: 512 });
    await expect(store.get("é".repeat(256))).rejects.toBeInstanceOf(SessionTooLargeError);
    await expect(store.set("k", "é".repeat(D1_LIMITS.valueBytes / 2 + 1), { ttl: 60 })).rejects.toMatchObject({
      code: "TOO_LARGE",
      limit: D1_LIMITS.valueBytes,
    });
    await expect(store.write("k", { value: "x".repeat(D1_LIMITS.valueBytes + 1), ttl: 60 })).rejects.toBeInstanceOf(SessionTooLargeError);
    await expect(store.set("k", "v", { ttl: 60, metadata: { pad: "x".repeat(1024) } })).rejects.toMatchObject({
      code: "TOO_LARGE",
      limit: 1024,
    });
  });

  it("a D1 failure is a SessionStoreError naming the operation; its message holds neither key nor value", async () => {
    const store = new D1Store(failingDb);
    const calls: [string, () => Promise<unknown>][] = [
      ["get", () => store.get("secret-key")],
      ["set", () => store.set("secret-key", "secret-value", { ttl: 60 })],
      ["delete", () => store.delete("secret-key")],
      ["list", () => store.list()],
      ["get", () => store.read("secret-key")],
      ["set", () => store.write("secret-key", { value: "secret-value", ttl: 60, expected: 0 })],
      ["delete", () => store.end("secret-key")],
      ["list", () => store.countActiveSince(0)],
      ["list", () => store.activeSince(0)],
      ["list", () => store.activityBuckets({ since: 0, until: 60_000, bucketSeconds: 60 })],
      ["delete", () => store.purge()],
    ];
    for (const [operation, call] of calls) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SessionStoreError);
      expect(error).toMatchObject({ operation, message: `session store ${operation} failed` });
      expect((error as Error).message).not.toMatch(/secret/);
    }
  });

  it("refuses what is not a D1 binding, a bad prefix, exclusive, and a bad onConflict", () => {
    expect(() => new D1Store(undefined as never)).toThrow(SessionConfigError);
    expect(() => new D1Store(env.SESSIONS as never)).toThrow(SessionConfigError);
    expect(() => new D1Store(env.SESSIONS_DB, { prefix: "p".repeat(449) })).toThrow(SessionConfigError);
    expect(() => new D1Store(env.SESSIONS_DB, { prefix: "\uD800" })).toThrow(SessionConfigError);
    expect(() => new D1Store(env.SESSIONS_DB, { exclusive: true } as never)).toThrow(/no session lock/);
    expect(() => new D1Store(env.SESSIONS_DB, { onConflict: "last" as never })).toThrow(SessionConfigError);
    expect(() => new D1Store(env.SESSIONS_DB, { now: 5 as never })).toThrow(SessionConfigError);
    expect(isD1Database(env.SESSIONS_DB)).toBe(true);
    expect(isD1Database(env.SESSIONS)).toBe(false);
    expect(isD1Database(new MemoryStore())).toBe(false);
  });

  it("a key ended for good cannot be set again until its tombstone lapses; delete does not lift it", async () => {
    const clock = testClock();
    const store = d1Store({ now: clock.now });
    await store.set("k", "v", { ttl: 600 });
    await store.end("k");
    expect(await store.get("k")).toBeNull();
    await expect(store.set("k", "back", { ttl: 600 })).rejects.toMatchObject({ code: "STORE_UNAVAILABLE", operation: "set" });
    await store.delete("k");
    expect(await store.read("k")).toEqual({ state: "revoked" });
    clock.advance(600 + 61);
    await store.set("k", "new", { ttl: 600 });
    expect(await store.get("k")).toBe("new");
  });

  it("delete removes the row, and the key can be written again (a plain store, unlike a tombstone)", async () => {
    const store = d1Store();
    await store.set("k", "v", { ttl: 600 });
    await store.delete("k");
    expect(await rowOf(store, "k")).toBeNull();
    await store.set("k", "again", { ttl: 600 });
    expect(await store.get("k")).toBe("again");
  });
});

describe("D1Store: prefixes", () => {
  it("prefixEnd is the least string past every string with the prefix, for any characters", () => {
    expect(prefixEnd("a")).toBe("b");
    expect(prefixEnd("s:")).toBe("s;");
    expect(prefixEnd("a\u{10FFFF}")).toBe("b");
    expect(prefixEnd("\uD7FF")).toBe("\uE000");
    expect(prefixEnd("x\uFFFF")).toBe("x\u{10000}");
    expect(prefixEnd("")).toBeUndefined();
    expect(prefixEnd("\u{10FFFF}\u{10FFFF}")).toBeUndefined();
  });

  it.each(["t:", "t\u{10FFFF}", "\u{10FFFF}", "é", "t%_*[", "\u0000"])(
    "a store under prefix %j lists, counts and purges only its own keys",
    async (raw) => {
      const clock = testClock();
      const prefix = `${crypto.randomUUID()}${raw}`;
      const mine = new D1Store(env.SESSIONS_DB, { prefix, now: clock.now });
      // Neighbours in key order: the prefix minus its last character, and the prefix with more after it.
      const before = new D1Store(env.SESSIONS_DB, { prefix: [...prefix].slice(0, -1).join(""), now: clock.now });
      const after = new D1Store(env.SESSIONS_DB, { prefix: prefixEnd(prefix)!, now: clock.now });
      const metadata = metadataAt(clock.now());
      for (const store of [before, mine, after]) await store.set("x", "v", { ttl: 60, metadata });
      await before.set("y", "v", { ttl: 60, metadata }); // its key is not `prefix + ...` unless raw is "y"
      expect((await mine.list()).keys.map((k) => k.name)).toEqual(["x"]);
      expect(await mine.countActiveSince(0)).toBe(1);
      expect((await mine.activeSince(0)).sessions.map((s) => s.key)).toEqual(["x"]);
      expect((await mine.activityBuckets({ since: clock.now() - 60_000, bucketSeconds: 3600 })).map((b) => b.count)).toEqual([1]);
      clock.advance(61);
      expect(await mine.purge()).toEqual({ purged: 1, more: false });
      expect(await after.read("x")).toMatchObject({ state: "missing" }); // expired, but still there
      expect(await rowOf(after, "x")).not.toBeNull();
    },
  );
});

describe("D1Store: listing and the admin helpers", () => {
  it("lists expired rows and tombstones with their expiration until purged: purgeExpired deletes exactly those", async () => {
    const clock = testClock();
    const store = d1Store({ now: clock.now });
    await store.set("expired", "v", { ttl: 10 });
    await store.set("live", "v", { ttl: 600 });
    await store.write("ended", { value: "v", ttl: 20, expected: 0 });
    await store.end("ended");
    clock.advance(100); // the tombstone lasts 20 s + 60 s of clock skew
    const { keys } = await store.list();
    expect(keys.map((k) => k.name)).toEqual(["ended", "expired", "live"]);
    expect(keys.find((k) => k.name === "ended")!.metadata).toBeUndefined();
    expect(await purgeExpired(store, { now: clock.now() })).toEqual({ scanned: 3, purged: 2 });
    expect((await store.list()).keys.map((k) => k.name)).toEqual(["live"]);
  });

  it("purgeExpired leaves a live tombstone alone", async () => {
    const clock = testClock();
    const store = d1Store({ now: clock.now });
    await store.write("ended", { value: "v", ttl: 600, expected: 0 });
    await store.end("ended");
    expect(await purgeExpired(store, { now: clock.now() })).toEqual({ scanned: 1, purged: 0 });
    expect(await store.read("ended")).toEqual({ state: "revoked" });
  });

  it("listActiveSessions reads a D1Store as it reads KV", async () => {
    const clock = testClock();
    const store = d1Store({ now: clock.now });
    const app = storeApp({ store, now: clock.now, idleTimeout: 600 });
    const start = clock.now();
    const first = (await visit(app, "/user/a", jar())).body.id;
    clock.advance(300);
    const second = (await visit(app, "/user/b", jar())).body.id;
    const page = await listActiveSessions(store, { now: clock.now() });
    expect(page.sessions.map((s) => s.key).sort()).toEqual([first, second].sort());
    const recent = await listActiveSessions(store, { since: start + 1000, now: clock.now() });
    expect(recent.sessions).toEqual([
      { key: second, created: clock.now(), lastUsed: clock.now(), expires: clock.now() + 600_000, lifetime: 0 },
    ]);
  });
});

describe("D1Store: activity statistics", () => {
  /** Sessions last used at the given offsets (seconds) before the clock's time, with the given idle timeout. */
  async function seeded(offsets: number[], idle = 3600, clock = testClock()) {
    const store = d1Store({ now: clock.now });
    for (const [i, offset] of offsets.entries())
      await store.set(`s${i}`, "sealed", { ttl: idle + EXPIRED_GRACE, metadata: metadataAt(clock.now() - offset * 1000, idle) });
    return { clock, store };
  }

  it("countActiveSince counts the sessions used since T that have not expired, as listActiveSessions does", async () => {
    const { clock, store } = await seeded([0, 30, 90, 600, 4000, 7000], 3600);
    const now = clock.now();
    for (const since of [0, now - 100_000, now - 600_000, now - 3_600_000, now + 1000]) {
      const listed = await listActiveSessions(store, { since, now });
      expect(await store.countActiveSince(since, { now })).toBe(listed.sessions.length);
    }
    expect(await store.countActiveSince(now - 100_000)).toBe(3);
    expect(await store.countActiveSince(0)).toBe(4); // 4000 and 7000 s ago: past the 3600 s idle deadline
  });

  it("leaves out what listActiveSessions leaves out: ended sessions, values that are not sessions, future last use", async () => {
    const { clock, store } = await seeded([10, 20]);
    await store.end("s0");
    await store.set("not-a-session", "v", { ttl: 600, metadata: { owner: "x" } });
    await store.set("forged", "v", { ttl: 600, metadata: metadataAt(clock.now() + 3_600_000) });
    expect(await store.countActiveSince(0)).toBe(1);
    expect((await listActiveSessions(store, { now: clock.now() })).sessions.map((s) => s.key)).toEqual(["s1"]);
  });

  it("activeSince pages in order of last use with a cursor; the last page has none", async () => {
    const { clock, store } = await seeded([50, 10, 40, 20, 30, 5000]);
    const since = clock.now() - 45_000;
    const keys: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await store.activeSince(since, { limit: 2, ...(cursor ? { cursor } : {}) });
      keys.push(page.sessions.map((s) => s.key));
      cursor = page.cursor;
    } while (cursor);
    expect(keys).toEqual([
      ["s2", "s4"],
      ["s3", "s1"],
    ]);
    const [first] = (await store.activeSince(since, { limit: 1 })).sessions;
    const lastUsed = Math.floor(clock.now() / 1000) * 1000 - 40_000;
    expect(first).toEqual({ key: "s2", created: lastUsed, lastUsed, expires: lastUsed + 3_600_000 });
  });

  it("a session used again while paging is listed again at the end, never left out", async () => {
    const { clock, store } = await seeded([30, 20, 10]);
    const page = await store.activeSince(0, { limit: 1 });
    expect(page.sessions.map((s) => s.key)).toEqual(["s0"]);
    await store.set("s1", "sealed", { ttl: 3600, metadata: metadataAt(clock.now()) }); // s1 used now
    const rest: string[] = [];
    let cursor = page.cursor;
    while (cursor) {
      const next = await store.activeSince(0, { cursor, limit: 1 });
      rest.push(...next.sessions.map((s) => s.key));
      cursor = next.cursor;
    }
    expect(rest).toEqual(["s2", "s1"]);
  });

  it("activityBuckets counts sessions by the bucket of their last use, every bucket, empty ones as 0", async () => {
    const { clock, store } = await seeded([5, 30, 65, 70, 200, 4000], 60);
    await store.end("s1");
    const now = clock.now();
    const buckets = await store.activityBuckets({ since: now - 240_000, until: now, bucketSeconds: 60 });
    const start = Math.floor((now - 240_000) / 1000) * 1000;
    // Sessions past their 60 s idle deadline still count (their row is kept a day); the ended one does not.
    expect(buckets).toEqual([
      { start, count: 1 }, // 200 s ago
      { start: start + 60_000, count: 0 },
      { start: start + 120_000, count: 2 }, // 65 and 70 s ago
      { start: start + 180_000, count: 1 }, // 5 s ago (30 s ago: ended)
    ]);
    expect(await store.activityBuckets({ since: now, until: now - 1000, bucketSeconds: 60 })).toEqual([]);
    await expect(store.activityBuckets({ since: 0, until: now, bucketSeconds: 60 })).rejects.toThrow(/widen the buckets/);
  });

  it("the count reads the rows of the sessions it counts, not the table (the activity index)", async () => {
    // A time of its own: the index holds every store's sessions, and other tests' are used "now".
    const { clock, store } = await seeded(
      Array.from({ length: 200 }, (_, i) => 10 + i * 60),
      3600,
      testClock(Date.UTC(2001, 0, 1) + Math.floor(Math.random() * 1e6) * 1000),
    );
    const spy = new D1Store(countingDb(env.SESSIONS_DB), { prefix: store.prefix, now: clock.now });
    expect(await spy.countActiveSince(clock.now() - 300_000)).toBe(5);
    expect(lastRowsRead).toBeLessThanOrEqual(5 + 2);
  });
});

describe("D1Store: purge", () => {
  it("deletes only rows whose time has passed, in bounded statements, and says when there is more", async () => {
    const clock = testClock();
    const store = d1Store({ now: clock.now });
    for (let i = 0; i < 7; i++) await store.set(`old${i}`, "v", { ttl: 10 });
    await store.set("live", "v", { ttl: 600 });
    await store.write("ended", { value: "v", ttl: 600, expected: 0 });
    await store.end("ended");
    clock.advance(11);
    expect(await store.purge({ batch: 2, max: 5 })).toEqual({ purged: 5, more: true });
    expect(await store.purge({ batch: 2, max: 5 })).toEqual({ purged: 2, more: false });
    expect(await store.purge()).toEqual({ purged: 0, more: false });
    expect((await store.list()).keys.map((k) => k.name)).toEqual(["ended", "live"]);
    clock.advance(600 + 60);
    expect(await store.purge()).toEqual({ purged: 2, more: false }); // the lapsed tombstone, and live's row once expired
  });
});

describe("D1Store beside the other stores", () => {
  it("is a plain SessionStore as an overflow target: large sessions spill into D1 and come back", async () => {
    const store = d1Store();
    const app = storeApp({ overflow: store });
    const visitor = jar();
    await visit(app, "/big/6000", visitor);
    expect(visitor.value!.length).toBeLessThan(1000);
    expect((await visit(app, "/read", visitor)).body.data.big).toHaveLength(6000);
    expect((await store.list()).keys).toHaveLength(1);
  });

  it("names itself by its prefix for the sealing proxy, like KVStore", () => {
    expect(new D1Store(env.SESSIONS_DB, { prefix: "s:" }).prefix).toBe(new KVStore(env.SESSIONS, { prefix: "s:" }).prefix);
    expect(new D1Store(env.SESSIONS_DB).prefix).toBe("");
  });
});

let lastRowsRead = 0;

/** The D1 binding, recording the rows D1 says the last query read (its `meta.rows_read`). */
function countingDb(db: D1Database): D1Database {
  return new Proxy(db, {
    get(target, property) {
      if (property !== "prepare") return Reflect.get(target, property, target);
      return (sql: string) => {
        const wrap = (statement: D1PreparedStatement): D1PreparedStatement =>
          new Proxy(statement, {
            get(inner, name) {
              if (name === "bind") return (...values: unknown[]) => wrap(inner.bind(...values));
              if (name === "first") {
                return async () => {
                  const result = await inner.all();
                  lastRowsRead = result.meta.rows_read;
                  return result.results[0] ?? null;
                };
              }
              return Reflect.get(inner, name, inner);
            },
          });
        return wrap(target.prepare(sql));
      };
    },
  });
}
