import { checkKeys, type KnownKeys } from "../core/known-keys.js";
import type { SessionStore, StoreKey } from "../stores/store.js";
import { check, same, timedCases, type TestApi, type TestClock } from "./contract-checks.js";
import { describeVersioned } from "./store-contract-versioned.js";

export { testClock, type TestApi, type TestClock, type TestFunction } from "./contract-checks.js";

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
