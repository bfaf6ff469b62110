import type { VersionedSessions, WriteResult } from "../stores/versioned.js";
import type { SessionStore } from "../stores/store.js";
import { check, same, timedCases, type TestApi, type TestClock } from "./contract-checks.js";

/** The cases of the versioned capability: compare-and-swap writes, racing writers, end and its tombstone. */
export function describeVersioned(
  makeStore: () => SessionStore | Promise<SessionStore>,
  { describe, it, clock }: TestApi & { clock?: TestClock | undefined },
): void {
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
