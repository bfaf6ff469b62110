import { checkKeys, type KnownKeys } from "../core/known-keys.js";
import type { VersionedSessions, WriteResult } from "../stores/versioned.js";
import type { SessionStore, StoreKey } from "../stores/store.js";

/** A test function as vitest, Jest, Mocha, `bun:test` and `node:test` all have it. */
export type TestFunction = (name: string, body: () => Promise<void>) => unknown;

/** The two functions of your test runner the suite registers its cases with (`import { describe, it } from "vitest"`). */
export interface TestApi {
  describe: (name: string, body: () => void) => unknown;
  /** Its `skip` (where the runner has one) shows the cases left out, e.g. expiry without a `clock`. */
  it: TestFunction & { skip?: TestFunction };
}

/** A clock tests move by hand, never sleeping: give its `now` to the store, and it to the suite. */
export interface TestClock {
  /** ms since epoch. */
  now(): number;
  advance(seconds: number): void;
}

/** A {@link TestClock} starting at `start` (ms since epoch; default the real time, to the second). */
export function testClock(start: number = Math.floor(Date.now() / 1000) * 1000): TestClock {
  let t = start;
  return {
    now: () => t,
    advance(seconds) {
      t += seconds * 1000;
    },
  };
}

export interface SessionStoreSuiteOptions extends TestApi {
  /**
   * The clock the stores read (`new MemoryStore({ now: clock.now })`): the suite moves it to test expiry.
   * Leave it out for a store on real time (KV, whose TTL is at least 60 s): the expiry cases are skipped.
   */
  clock?: TestClock | undefined;
  /** The store implements `list` (the admin helpers need it). Default true. */
  list?: boolean | undefined;
  /** The store offers the `versioned` capability (compare-and-swap writes, `end`). Default false. */
  versioned?: boolean | undefined;
}

const SUITE_OPTIONS: KnownKeys<SessionStoreSuiteOptions> = { describe: true, it: true, clock: true, list: true, versioned: true };

/**
 * Registers the `SessionStore` contract as test cases, so a store you write runs the same cases as the
 * library's own (`MemoryStore`, `KVStore`, `D1Store`, `DurableObjectStore`): reads and writes, exact keys and
 * values, delete, expiry (with a `clock`), listings (order, metadata, a cursor that is a key, the last page
 * without one), and for a versioned store its compare-and-swap writes and `end`. `makeStore` is called once
 * per case and must return an empty store of its own (a fresh prefix in a shared backend will do).
 *
 * It takes your runner's `describe` and `it` rather than importing a test framework, so edge-session keeps
 * jose as its only dependency and the suite runs under any runner. Failures throw an `Error` named
 * `SessionStoreContractError` that says what was expected.
 *
 * ```ts
 * import { describe, it } from "vitest";
 * import { describeSessionStore, testClock } from "edge-session/testing";
 *
 * const clock = testClock();
 * describeSessionStore("MyStore", () => new MyStore(env.DB, { prefix: crypto.randomUUID(), now: clock.now }), { describe, it, clock });
 * ```
 */
export function describeSessionStore(
  name: string,
  makeStore: () => SessionStore | Promise<SessionStore>,
  options: SessionStoreSuiteOptions,
): void {
  checkKeys(options, SUITE_OPTIONS, "describeSessionStore options");
  const { describe, it, clock } = options;
  const list = options.list ?? true;
  const versioned = options.versioned ?? false;
  const timed = timedCases(it, clock);

  describe(`${name}: the SessionStore contract`, () => {
    it(`offers list ${list ? "(yes)" : "(no)"} and versioned ${versioned ? "(yes)" : "(no)"} as declared to the suite`, async () => {
      const store = await makeStore();
      check(
        typeof store.get === "function" && typeof store.set === "function" && typeof store.delete === "function",
        "get, set and delete are functions",
      );
      same(typeof store.list === "function", list, "the store has list() (pass list: false to the suite if it has none)");
      same(store.versioned !== undefined, versioned, "the store offers `versioned` (pass versioned: true to the suite if it does)");
      if (store.prefix !== undefined) same(typeof store.prefix, "string", "a declared prefix");
    });

    it("reads null for a key never written", async () => {
      const store = await makeStore();
      same(await store.get("never-written"), null, "get of a missing key");
    });

    it("reads back exactly what was written, and the last write wins", async () => {
      const store = await makeStore();
      const values = ["plain", "", 'quotes " and \\ and \n newlines', "ünïcødé ✓ 🎉", "x".repeat(64 * 1024)];
      for (const [i, value] of values.entries()) {
        await store.set(`k${i}`, value, { ttl: 600 });
        same(await store.get(`k${i}`), value, `value #${i} read back`);
      }
      await store.set("k0", "second", { ttl: 600 });
      same(await store.get("k0"), "second", "value after a second write");
    });

    it("keeps keys apart: case, keys that start with another, non-ASCII", async () => {
      const store = await makeStore();
      const keys = ["key", "Key", "key2", "ke", "kéy", "key:🎉"];
      for (const key of keys) await store.set(key, `value of ${key}`, { ttl: 600 });
      for (const key of keys) same(await store.get(key), `value of ${key}`, `value under ${JSON.stringify(key)}`);
    });

    it("delete makes a miss, leaves other keys, and deleting a missing key is no error", async () => {
      const store = await makeStore();
      await store.set("gone", "v", { ttl: 600 });
      await store.set("kept", "v", { ttl: 600 });
      await store.delete("gone");
      same(await store.get("gone"), null, "get after delete");
      same(await store.get("kept"), "v", "another key after delete");
      await store.delete("gone");
      await store.delete("never-written");
    });

    timed("an entry is a hit until its ttl passes, then a miss", async (clock) => {
      const store = await makeStore();
      await store.set("k", "v", { ttl: 10 });
      clock.advance(9);
      same(await store.get("k"), "v", "get 9 s into a 10 s ttl");
      clock.advance(2);
      same(await store.get("k"), null, "get 11 s after a 10 s ttl");
    });

    timed("a write starts the ttl again", async (clock) => {
      const store = await makeStore();
      await store.set("k", "v1", { ttl: 10 });
      clock.advance(8);
      await store.set("k", "v2", { ttl: 10 });
      clock.advance(8);
      same(await store.get("k"), "v2", "get 16 s after the first write, 8 s after the second");
    });

    if (list) describeListing(makeStore, options);
    if (versioned) describeVersioned(makeStore, options);
  });
}

/** The cases of `list`: order, metadata, the cursor, prefixes, expiry. */
function describeListing(makeStore: () => SessionStore | Promise<SessionStore>, { describe, it, clock }: SessionStoreSuiteOptions): void {
  const timed = timedCases(it, clock);
  const now = () => clock?.now() ?? Date.now();
  describe("list", () => {
    it("lists nothing, and no cursor, when empty", async () => {
      const store = await makeStore();
      const page = await store.list!({});
      same(page.keys.length, 0, "keys of an empty store");
      check(!page.cursor, "an empty listing has no cursor");
    });

    it("lists keys in order with their metadata, page by page; the last page has no cursor", async () => {
      const store = await makeStore();
      const names = ["b", "a", "e", "c", "d"];
      for (const [i, key] of names.entries()) await store.set(key, `v${i}`, { ttl: 600, metadata: { n: i, tag: "t" } });
      const pages = await listAll(store, { limit: 2 });
      same(
        pages.map((page) => page.length),
        [2, 2, 1],
        "page sizes with limit 2",
      );
      const listed = pages.flat();
      same(
        listed.map((k) => k.name),
        [...names].sort(),
        "names, in order",
      );
      same(
        listed.map((k) => k.metadata),
        [...names].sort().map((key) => ({ n: names.indexOf(key), tag: "t" })),
        "metadata as written",
      );
    });

    it("lists with a limit of 1 one key per page", async () => {
      const store = await makeStore();
      for (const key of ["a", "b", "c"]) await store.set(key, "v", { ttl: 600 });
      same(
        (await listAll(store, { limit: 1 })).map((page) => page.map((k) => k.name)),
        [["a"], ["b"], ["c"]],
        "pages with limit 1",
      );
    });

    it("a cursor is a key, not an offset: deleting listed keys while listing skips nothing", async () => {
      const store = await makeStore();
      const names = Array.from({ length: 7 }, (_, i) => `s${i}`);
      for (const key of names) await store.set(key, "v", { ttl: 600 });
      const seen: string[] = [];
      let cursor: string | undefined;
      const cursors = new Set<string>();
      do {
        const page = await store.list!({ cursor, limit: 2 });
        for (const key of page.keys) {
          seen.push(key.name);
          await store.delete(key.name); // what purgeExpired does
        }
        cursor = page.cursor || undefined;
        if (cursor !== undefined) {
          check(!cursors.has(cursor), "a cursor never repeats");
          cursors.add(cursor);
        }
      } while (cursor !== undefined);
      same(seen, names, "every key listed once, in order, while deleting");
    });

    it("lists only the keys under options.prefix", async () => {
      const store = await makeStore();
      for (const key of ["user:1", "user:2", "users", "other", "use"]) await store.set(key, "v", { ttl: 600 });
      same(
        (await listAll(store, { prefix: "user:" })).flat().map((k) => k.name),
        ["user:1", "user:2"],
        "keys under user:",
      );
    });

    it("keeps its own copy of the metadata given to set", async () => {
      const store = await makeStore();
      const metadata = { lastUsed: 1 };
      await store.set("k", "v", { ttl: 600, metadata });
      metadata.lastUsed = 2;
      same((await store.list!({})).keys[0]?.metadata, { lastUsed: 1 }, "metadata after the caller changed its object");
    });

    it("reports an expiration (seconds) no earlier than the ttl's end", async () => {
      const store = await makeStore();
      const before = Math.floor(now() / 1000);
      await store.set("k", "v", { ttl: 3600 });
      const [key] = (await store.list!({})).keys;
      check(key !== undefined && key.expiration !== undefined, "a listed key has an expiration");
      check(
        key!.expiration! >= before + 3600 - 1 && key!.expiration! <= before + 3600 + 120,
        `expiration ${key!.expiration} is about ${before} + 3600`,
      );
    });

    timed("an expired entry is listed no more, or with an expiration that has passed (until purged)", async (clock) => {
      const store = await makeStore();
      await store.set("old", "v", { ttl: 10 });
      await store.set("new", "v", { ttl: 600 });
      clock.advance(11);
      const listed = (await listAll(store, {})).flat();
      const old = listed.find((k) => k.name === "old");
      check(
        old === undefined || (old.expiration !== undefined && old.expiration * 1000 <= clock.now()),
        "an expired key is gone or listed as expired",
      );
      check(
        listed.some((k) => k.name === "new"),
        "a live key is still listed",
      );
    });
  });
}

/** The cases of the versioned capability: compare-and-swap writes, racing writers, end and its tombstone. */
function describeVersioned(makeStore: () => SessionStore | Promise<SessionStore>, { describe, it, clock }: SessionStoreSuiteOptions): void {
  const timed = timedCases(it, clock);
  describe("versioned capability", () => {
    const capability = async (): Promise<VersionedSessions> => {
      const store = await makeStore();
      check(store.versioned !== undefined, "the store offers `versioned`");
      return store.versioned!;
    };
    const write = (v: VersionedSessions, key: string, value: string, expected?: number, ttl = 600) =>
      v.write(key, { value, ttl, expected });

    it("reads missing, then live with version 1 after a write expecting 0, and the version grows by one per write", async () => {
      const v = await capability();
      same(await v.read("k"), { state: "missing" }, "read of a key never written");
      same(await write(v, "k", "one", 0), { ok: true, version: 1 }, "first write");
      same(await v.read("k"), { state: "live", value: "one", version: 1 }, "read after the first write");
      same(await write(v, "k", "two", 1), { ok: true, version: 2 }, "write based on version 1");
      same(await write(v, "k", "three"), { ok: true, version: 3 }, "unconditional write");
      same(await v.read("k"), { state: "live", value: "three", version: 3 }, "read after three writes");
    });

    it("a write based on an old version, or expecting 0 on a live key, loses and is told what won", async () => {
      const v = await capability();
      await write(v, "k", "one", 0);
      await write(v, "k", "two", 1);
      const won = { ok: false, state: "conflict", current: { value: "two", version: 2 } };
      same(await write(v, "k", "stale", 1), won, "write based on version 1 after version 2");
      same(await write(v, "k", "again", 0), won, "write expecting 0 on a live key");
      same(await write(v, "k", "ahead", 7), won, "write based on a version never written");
      same(await write(v, "never", "x", 3), { ok: false, state: "conflict", current: null }, "write based on a version of a missing key");
      same(await v.read("k"), { state: "live", value: "two", version: 2 }, "the stored value after the refused writes");
    });

    it("8 writers that read the same version: exactly one commits, the others are shown its value", async () => {
      const v = await capability();
      await write(v, "k", "base", 0);
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => write(v, "k", `w${i}`, 1)));
      const winners = results.filter((r): r is Extract<WriteResult, { ok: true }> => r.ok);
      same(winners.length, 1, "writes that committed");
      const stored = await v.read("k");
      check(stored.state === "live" && stored.version === 2, "one version more than the base");
      for (const lost of results.filter((r) => !r.ok))
        same(lost, { ok: false, state: "conflict", current: { value: (stored as { value: string }).value, version: 2 } }, "a lost write");
    });

    it("end: reads revoked, and no write brings the key back (expecting 0, its version, or unconditional)", async () => {
      const v = await capability();
      await write(v, "k", "one", 0);
      await v.end("k");
      same(await v.read("k"), { state: "revoked" }, "read after end");
      for (const expected of [0, 1, 2, undefined])
        same(await write(v, "k", "back", expected), { ok: false, state: "revoked" }, `write (expected ${expected}) after end`);
      await v.end("k"); // ending twice is no error
      same(await v.read("k"), { state: "revoked" }, "read after a second end");
    });

    it("a write that replaces a key (regenerate) commits only while that key is live, and ends it in the same step", async () => {
      const v = await capability();
      await write(v, "old", "data", 0);
      const moved = await v.write("new", { value: "data", ttl: 600, expected: 0, replaces: "old" });
      same(moved.ok, true, "the write replacing a live key");
      same(await v.read("old"), { state: "revoked" }, "the replaced key, read after the write");
      same(await v.read("new"), { state: "live", value: "data", version: 1 }, "the new key");
      // An overlapping regenerate of the same session, or one after a logout: nothing is written.
      const again = await v.write("other", { value: "data", ttl: 600, expected: 0, replaces: "old" });
      same(again, { ok: false, state: "revoked" }, "a second write replacing the same key");
      same((await v.read("other")).state !== "live", true, "the second write's key holds nothing live");
      same(
        await v.write("third", { value: "x", ttl: 600, expected: 0, replaces: "never" }),
        { ok: false, state: "revoked" },
        "replacing a key never written",
      );
    });

    it("ending a key that holds nothing is no error, and leaves it writable", async () => {
      const v = await capability();
      await v.end("never");
      same((await write(v, "never", "v", 0)).ok, true, "a first write after end of a missing key");
    });

    timed("an expired value reads missing; a write based on its version loses (current null), one expecting 0 commits", async (clock) => {
      const v = await capability();
      await write(v, "k", "one", 0, 10);
      clock.advance(11);
      same(await v.read("k"), { state: "missing" }, "read after the ttl");
      same(await write(v, "k", "late", 1), { ok: false, state: "conflict", current: null }, "write based on the expired version");
      const again = await write(v, "k", "new", 0);
      check(again.ok && again.version > 1, "a new value gets a version above every earlier one");
    });

    timed("keep: the value stays readable for `keep` seconds past its ttl", async (clock) => {
      const v = await capability();
      same((await v.write("k", { value: "v", ttl: 10, keep: 100, expected: 0 })).ok, true, "write with keep");
      clock.advance(50);
      same(await v.read("k"), { state: "live", value: "v", version: 1 }, "read 50 s into a 10 s ttl + 100 s keep");
      clock.advance(61);
      same(await v.read("k"), { state: "missing" }, "read after ttl + keep");
    });

    timed("a tombstone lasts until the session could no longer be valid, then the key is free", async (clock) => {
      const v = await capability();
      await v.write("k", { value: "v", ttl: 600, keep: 86_400, expected: 0 });
      await v.end("k");
      clock.advance(600);
      same(await v.read("k"), { state: "revoked" }, "read at the session's deadline");
      clock.advance(61);
      same(await v.read("k"), { state: "missing" }, "read past the deadline and the tolerated clock skew");
      same((await write(v, "k", "new", 0)).ok, true, "a new write after the tombstone lapsed");
    });
  });
}

/** Registers cases that move the clock, or shows them skipped (where the runner can) without one. */
function timedCases(it: TestApi["it"], clock: TestClock | undefined) {
  return (title: string, body: (clock: TestClock) => Promise<void>) => {
    if (clock) it(title, () => body(clock));
    else it.skip?.(`${title} (needs a clock)`, async () => {});
  };
}

/** Every page of a listing, each as its keys. */
async function listAll(store: SessionStore, options: { prefix?: string; limit?: number }): Promise<StoreKey[][]> {
  const pages: StoreKey[][] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list!({ ...options, cursor });
    pages.push(page.keys);
    cursor = page.cursor || undefined;
    check(pages.length <= 1000, "the listing ends");
  } while (cursor !== undefined);
  return pages;
}

function check(condition: boolean, what: string): void {
  if (!condition) fail(`expected: ${what}`);
}

/** Deep equality of plain data (what stores answer), keys in any order; `undefined` members count as absent. */
function same(actual: unknown, expected: unknown, what: string): void {
  if (canonical(actual) !== canonical(expected)) fail(`${what}: expected ${canonical(expected)}, got ${canonical(actual)}`);
}

function canonical(value: unknown): string {
  if (value === undefined) return "undefined";
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === "object" && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

function fail(message: string): never {
  const error = new Error(message.length > 2000 ? `${message.slice(0, 2000)}…` : message);
  error.name = "SessionStoreContractError";
  throw error;
}
