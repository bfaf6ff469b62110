import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import type { SessionObject } from "../src/durable-object/object.js";
import { DurableObjectStore } from "../src/durable-object/store.js";
import { linkSession, listSessions, revokeAllSessions, revokeSession, type LinkableSession } from "../src/durable-object/users.js";
import { SessionConfigError, SessionStoreError, SessionTooLargeError } from "../src/core/errors.js";
import { advanceObject, freshId, indexedIds, sessionStub, storageOf, userStub } from "./do-helpers.js";

const ns = env.SESSION_OBJECTS;
const store = new DurableObjectStore(ns);
const T0 = Date.UTC(2026, 10, 24, 9, 0, 0);

/** A loaded session as linkSession reads it. */
function loaded(lastUsedOffset = 0, secondsLeft: number | undefined = 600): LinkableSession {
  return {
    id: freshId(),
    meta: { id: "", created: T0, lastUsed: T0 + lastUsedOffset * 1000, lifetime: 0 },
    secondsLeft: () => secondsLeft,
  };
}

describe("per-user session index", () => {
  it("lists the user's sessions with device, created and lastUsed, most recent first", async () => {
    const user = `user-${freshId()}`;
    const [phone, laptop] = [loaded(10), loaded(20)];
    expect(await linkSession(ns, phone, user, { device: "Phone" })).toBe(true);
    expect(await linkSession(ns, laptop, user, { device: "Laptop" })).toBe(true);
    // Browser-session cookies (lifetime 0), each ending 600 s (its secondsLeft) after its last use.
    expect(await listSessions(ns, user)).toEqual([
      { id: laptop.id, device: "Laptop", created: T0, lastUsed: T0 + 20_000, lifetime: 0, expiresAt: T0 + 620_000 },
      { id: phone.id, device: "Phone", created: T0, lastUsed: T0 + 10_000, lifetime: 0, expiresAt: T0 + 610_000 },
    ]);
    expect(await listSessions(ns, `nobody-${freshId()}`)).toEqual([]);
  });

  it("a server-side write moves lastUsed in the listing", async () => {
    const user = `user-${freshId()}`;
    const s = loaded();
    await linkSession(ns, s, user);
    // Stored metadata is in seconds (as in KV); the device list reports ms.
    const metadata = { created: T0 / 1000, lastUsed: T0 / 1000 + 99, expires: T0 / 1000 + 699 };
    await store.write(s.id, { value: "sealed", ttl: 600, expected: 0, metadata });
    expect((await listSessions(ns, user))[0]?.lastUsed).toBe(T0 + 99_000);
  });

  it("revokeSession ends one session: gone from the list, refused by its object", async () => {
    const user = `user-${freshId()}`;
    const [a, b] = [loaded(), loaded()];
    await linkSession(ns, a, user);
    await linkSession(ns, b, user);
    await revokeSession(ns, a.id);
    expect((await listSessions(ns, user)).map((s) => s.id)).toEqual([b.id]);
    expect(await store.check(a.id)).toEqual({ revoked: true, linked: false });
  });

  it('"log out everywhere except this device" leaves exactly that session', async () => {
    const user = `user-${freshId()}`;
    const sessions = [loaded(1), loaded(2), loaded(3), loaded(4)];
    for (const s of sessions) await linkSession(ns, s, user);
    const current = sessions[2]!;
    expect(await revokeAllSessions(ns, user, { except: current.id })).toBe(3);
    expect((await listSessions(ns, user)).map((s) => s.id)).toEqual([current.id]);
    for (const s of sessions) expect((await store.check(s.id)).revoked).toBe(s !== current);
    expect(await revokeAllSessions(ns, user)).toBe(1);
    expect(await listSessions(ns, user)).toEqual([]);
  });

  it("a session revoked before it is linked stays unlinked", async () => {
    const user = `user-${freshId()}`;
    const s = loaded();
    await revokeSession(ns, s.id);
    expect(await linkSession(ns, s, user)).toBe(false);
    expect(await listSessions(ns, user)).toEqual([]);
  });

  it("an expired session leaves the index when its alarm fires", async () => {
    const user = `user-${freshId()}`;
    const s = loaded(0, 60);
    await linkSession(ns, s, user);
    expect(await indexedIds(user)).toEqual([s.id]);
    await advanceObject(sessionStub(s.id), 61);
    await runDurableObjectAlarm(sessionStub(s.id));
    expect(await storageOf(sessionStub(s.id))).toEqual({});
    expect(await indexedIds(user)).toEqual([]);
  });

  it("listing prunes entries whose session expired before its alarm ran", async () => {
    const user = `user-${freshId()}`;
    const [gone, live] = [loaded(0, 60), loaded(0, 600)];
    await linkSession(ns, gone, user);
    await linkSession(ns, live, user);
    await advanceObject(sessionStub(gone.id), 61);
    expect((await listSessions(ns, user)).map((s) => s.id)).toEqual([live.id]);
    expect(await indexedIds(user)).toEqual([live.id]);
  });

  it("checks its input and wraps object failures in SessionStoreError", async () => {
    await expect(listSessions(ns, "")).rejects.toThrow(SessionConfigError);
    await expect(linkSession(ns, loaded(), "u", { device: "x".repeat(257) })).rejects.toThrow(SessionConfigError);
    const broken = { getByName: () => ({ beginRevokeAll: () => Promise.reject(new Error("down")) }) } as never;
    await expect(revokeAllSessions(broken, "u")).rejects.toThrow(SessionStoreError);
  });
});

type Namespace = typeof env.SESSION_OBJECTS;
const METHODS = [
  "read",
  "write",
  "release",
  "revoke",
  "check",
  "link",
  "info",
  "addSession",
  "confirmSession",
  "sessions",
  "beginRevokeAll",
  "removeSessions",
];

/** The namespace, with `hook` run once just before the first call of `method` on any object (to interleave steps). */
function hooked(method: string, hook: () => Promise<unknown>): Namespace {
  let fired = false;
  return {
    getByName(name: string) {
      const stub = ns.getByName(name) as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
      const call =
        (m: string) =>
        async (...args: unknown[]) => {
          if (m === method && !fired) {
            fired = true;
            await hook();
          }
          return stub[m]!(...args);
        };
      return Object.fromEntries(METHODS.map((m) => [m, call(m)]));
    },
  } as unknown as Namespace;
}

describe("indexes and links written by 0.1 (no entry numbers, no confirmation) keep working after an upgrade", () => {
  /** What 0.1 stored for a linked session: `{ device, created }` in the user's index, a link without `seq`. */
  async function linkedBy01(user: string, device: string): Promise<string> {
    const id = freshId();
    await runInDurableObject(userStub(user), (_object: SessionObject, state) => state.storage.kv.put(`d:${id}`, { device, created: T0 }));
    await runInDurableObject(sessionStub(id), (object: SessionObject, state) =>
      state.storage.kv.put("link", { userId: user, device, created: T0, lastUsed: T0, expiresAt: object.clock() + 600_000 }),
    );
    return id;
  }

  it("listed, then ended by revokeSession and revokeAllSessions, each leaving the index", async () => {
    const user = `user-${freshId()}`;
    const [phone, laptop] = [await linkedBy01(user, "Old phone"), await linkedBy01(user, "Old laptop")];
    const listed = await listSessions(ns, user);
    expect(listed.map((s) => s.device).sort()).toEqual(["Old laptop", "Old phone"]);
    // Links written before traits were: the optional fields are absent, not made up.
    expect(listed.map((s) => Object.keys(s).sort())).toEqual([
      ["created", "device", "id", "lastUsed"],
      ["created", "device", "id", "lastUsed"],
    ]);
    await revokeSession(ns, phone);
    expect(await indexedIds(user)).toEqual([laptop]);
    expect(await revokeAllSessions(ns, user)).toBe(1);
    expect(await indexedIds(user)).toEqual([]);
    expect(await store.check(laptop)).toEqual({ revoked: true, linked: false });
  });
});

describe("traits: what the device list tells besides the times (lifetime, own limits, deadline, binding)", () => {
  const remembered = (offset = 0): LinkableSession => {
    const s = loaded(offset, 7 * 86400);
    return { ...s, meta: { ...s.meta, lifetime: 30 * 86400, limits: { lifetime: 30 * 86400, idleTimeout: 7 * 86400 } } };
  };
  const bound = { alg: "ES256", since: T0 + 5000 };

  it("linkSession reports the session's lifetime, own limits and deadline; a server-side write replaces them", async () => {
    const user = `user-${freshId()}`;
    const s = remembered();
    await linkSession(ns, s, user);
    const limits = { lifetime: 30 * 86400, idleTimeout: 7 * 86400 };
    expect(await listSessions(ns, user)).toEqual([
      { id: s.id, device: "", created: T0, lastUsed: T0, lifetime: 30 * 86400, limits, expiresAt: T0 + 7 * 86400_000 },
    ]);
    const traits = { lifetime: 30 * 86400, limits, expiresAt: T0 + 99_000 + 7 * 86400_000, bound };
    const metadata = { created: T0 / 1000, lastUsed: T0 / 1000 + 99, expires: T0 / 1000 + 99 + 7 * 86400 };
    await store.write(s.id, { value: "sealed", ttl: 7 * 86400, expected: 0, metadata, traits });
    expect(await listSessions(ns, user)).toEqual([{ id: s.id, device: "", created: T0, lastUsed: T0 + 99_000, ...traits }]);
    // A write from a caller that sends none (an earlier version) keeps what the link knows.
    await store.write(s.id, { value: "sealed", ttl: 7 * 86400, expected: 1, metadata: { ...metadata, lastUsed: T0 / 1000 + 120 } });
    expect((await listSessions(ns, user))[0]).toMatchObject({ lastUsed: T0 + 120_000, bound });
  });

  it("a cookie check's traits win over the link's when newer; a late check of an older use changes nothing", async () => {
    const user = `user-${freshId()}`;
    const s = loaded();
    await linkSession(ns, s, user);
    const check = (lastUsed: number, traits: object | undefined) =>
      userStub(user).checkSession(s.id, undefined, { lastUsed, until: lastUsed + 600_000, ...(traits ? { traits } : {}) } as never);
    await check(T0 + 30_000, { lifetime: 0, expiresAt: T0 + 630_000, bound });
    expect((await listSessions(ns, user))[0]).toEqual({
      id: s.id,
      device: "",
      created: T0,
      lastUsed: T0 + 30_000,
      lifetime: 0,
      expiresAt: T0 + 630_000,
      bound,
    });
    await check(T0 + 20_000, { lifetime: 0, expiresAt: T0 + 620_000 }); // a slower isolate's older check
    expect((await listSessions(ns, user))[0]).toMatchObject({ lastUsed: T0 + 30_000, expiresAt: T0 + 630_000, bound });
    await check(T0 + 40_000, undefined); // a check of an earlier version: what the last one reported stays
    expect((await listSessions(ns, user))[0]).toMatchObject({ lastUsed: T0 + 40_000, expiresAt: T0 + 630_000, bound });
  });

  it("an index entry and link written before traits (checked by an earlier version) list without them", async () => {
    const user = `user-${freshId()}`;
    const id = freshId();
    const expiresAt = (await runInDurableObject(sessionStub(id), (object: SessionObject) => object.clock())) + 600_000;
    await runInDurableObject(sessionStub(id), (_object: SessionObject, state) =>
      state.storage.kv.put("link", { userId: user, device: "Old", created: T0, lastUsed: T0, expiresAt, seq: 1 }),
    );
    await runInDurableObject(userStub(user), (_object: SessionObject, state) =>
      state.storage.kv.put(`d:${id}`, {
        seq: 1,
        confirmed: true,
        expiresAt,
        cookie: true,
        used: { lastUsed: T0 + 5000, until: expiresAt },
      }),
    );
    expect(await listSessions(ns, user)).toEqual([{ id, device: "Old", created: T0, lastUsed: T0 + 5000 }]);
  });

  it.each([
    ["a negative lifetime", { lifetime: -1 }],
    ["limits that are not seconds", { lifetime: 0, limits: { idleTimeout: "1h" } }],
    ["a deadline that is not a time", { lifetime: 0, expiresAt: 1.5 }],
    ["a bound key without its time", { lifetime: 0, bound: { alg: "ES256" } }],
    ["a bound key with an over-long algorithm", { lifetime: 0, bound: { alg: "x".repeat(17), since: T0 } }],
  ])("malformed traits (%s) are refused by the store, the link and the check, before anything is written", async (_name, traits) => {
    const user = `user-${freshId()}`;
    const s = loaded();
    await linkSession(ns, s, user);
    const failure = (call: Promise<unknown>) =>
      call.then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(await failure(store.write(s.id, { value: "v", ttl: 60, traits: traits as never }))).toBeInstanceOf(SessionConfigError);
    expect(await failure(sessionStub(s.id).write({ value: "v", ttl: 60, traits: traits as never }))).toBeInstanceOf(TypeError);
    const link = { userId: user, device: "", created: T0, lastUsed: T0, ttl: 60, seq: 1, traits: traits as never };
    expect(String(await failure(sessionStub(freshId()).link(link)))).toMatch(/link request out of bounds/);
    const use = { lastUsed: T0, until: T0 + 60_000, traits: traits as never };
    expect(await failure(userStub(user).checkSession(s.id, undefined, use))).toBeInstanceOf(TypeError);
    expect(await listSessions(ns, user)).toEqual([
      { id: s.id, device: "", created: T0, lastUsed: T0, lifetime: 0, expiresAt: T0 + 600_000 },
    ]);
  });

  it("a hand-made LinkableSession without a lifetime still links, without traits", async () => {
    const user = `user-${freshId()}`;
    const s = loaded();
    await linkSession(ns, { ...s, meta: { created: T0, lastUsed: T0 } as never }, user);
    expect(await listSessions(ns, user)).toEqual([{ id: s.id, device: "", created: T0, lastUsed: T0 }]);
  });
});

describe('a login racing "log out everywhere"', () => {
  it.each([
    ["after the session is indexed, before it is linked", "link", 1],
    ["after the session is linked, before the login confirms", "confirmSession", 2],
  ])("revokeAllSessions running %s: the login is undone and the session revoked", async (_when, step, endedCount) => {
    const user = `race-${freshId()}`;
    const before = loaded();
    await linkSession(ns, before, user);
    const racing = loaded();
    let ended: number | undefined;
    const namespace = hooked(step, async () => (ended = await revokeAllSessions(ns, user)));
    expect(await linkSession(namespace, racing, user)).toBe(false);
    expect(ended).toBe(endedCount); // counted only once linked (listed)
    // Every session of the user that exists after revokeAllSessions returned is revoked.
    for (const s of [before, racing]) expect(await store.check(s.id)).toEqual({ revoked: true, linked: false });
    expect(await listSessions(ns, user)).toEqual([]);
    expect(await indexedIds(user)).toEqual([]);
    expect(await revokeAllSessions(ns, user)).toBe(0);
  });

  it("the racing session's revocation lasts as long as its link would have", async () => {
    const user = `race-ttl-${freshId()}`;
    const racing = loaded(0, 3 * 24 * 3600);
    await linkSession(
      hooked("link", () => revokeAllSessions(ns, user)),
      racing,
      user,
    );
    await advanceObject(sessionStub(racing.id), 3 * 24 * 3600 - 1);
    await runDurableObjectAlarm(sessionStub(racing.id));
    expect(await store.check(racing.id)).toEqual({ revoked: true, linked: false });
  });

  it("a login after revokeAllSessions returned is linked normally", async () => {
    const user = `after-${freshId()}`;
    await linkSession(ns, loaded(), user);
    expect(await revokeAllSessions(ns, user)).toBe(1);
    const s = loaded();
    expect(await linkSession(ns, s, user)).toBe(true);
    expect((await listSessions(ns, user)).map((d) => d.id)).toEqual([s.id]);
  });

  it("a listing racing a login neither fails the login nor drops its entry", async () => {
    const user = `listing-${freshId()}`;
    const s = loaded();
    let listed: unknown;
    expect(
      await linkSession(
        hooked("link", async () => (listed = await listSessions(ns, user))),
        s,
        user,
      ),
    ).toBe(true);
    expect(listed).toEqual([]); // not linked yet: not listed, and not pruned either
    expect((await listSessions(ns, user)).map((d) => d.id)).toEqual([s.id]);
    expect(await revokeAllSessions(ns, user)).toBe(1);
    expect(await store.check(s.id)).toEqual({ revoked: true, linked: false });
  });
});

describe("re-linking a session to another user (account switch without regenerate)", () => {
  it("moves it: ended and listed under the new user only, in both directions", async () => {
    const [alice, mallory] = [`alice-${freshId()}`, `mallory-${freshId()}`];
    const s = loaded();
    await linkSession(ns, s, alice, { device: "shared PC" });
    await linkSession(ns, s, mallory, { device: "shared PC" });
    expect(await indexedIds(alice)).toEqual([]);
    // Revoking before any listing: the two must agree without a listing's clean-up in between.
    expect(await revokeAllSessions(ns, alice)).toBe(0);
    expect(await store.check(s.id)).toEqual({ revoked: false, linked: true, userId: mallory });
    expect(await listSessions(ns, alice)).toEqual([]);
    expect((await listSessions(ns, mallory)).map((d) => d.id)).toEqual([s.id]);

    await linkSession(ns, s, alice); // and back
    expect(await revokeAllSessions(ns, mallory)).toBe(0);
    expect(await store.check(s.id)).toEqual({ revoked: false, linked: true, userId: alice });
    expect(await listSessions(ns, mallory)).toEqual([]);
    expect((await listSessions(ns, alice)).map((d) => d.id)).toEqual([s.id]);
    expect(await revokeAllSessions(ns, alice)).toBe(1);
    expect(await store.check(s.id)).toEqual({ revoked: true, linked: false });
  });

  it("revokeAllSessions leaves a session now linked to another user even if a stale entry still names it", async () => {
    const [alice, mallory] = [`alice-${freshId()}`, `mallory-${freshId()}`];
    const s = loaded();
    await linkSession(ns, s, alice);
    // The object is linked to mallory without alice's entry being removed (a login that died half-way).
    await sessionStub(s.id).link({ userId: mallory, device: "", created: T0, lastUsed: T0, ttl: 600, seq: 1 });
    expect(await indexedIds(alice)).toEqual([s.id]);
    expect(await revokeAllSessions(ns, alice)).toBe(0);
    expect(await store.check(s.id)).toEqual({ revoked: false, linked: true, userId: mallory });
    expect(await indexedIds(alice)).toEqual([]);
  });
});

describe("a link lives exactly as long as the session can be accepted", () => {
  it("an explicit ttl is cut to the session's time left", async () => {
    const user = `ttl-${freshId()}`;
    const s = loaded(0, 600);
    await linkSession(ns, s, user, { ttl: 30 * 24 * 3600 });
    await advanceObject(sessionStub(s.id), 599);
    expect(await listSessions(ns, user)).toHaveLength(1);
    await advanceObject(sessionStub(s.id), 2);
    expect(await listSessions(ns, user)).toEqual([]);
  });

  it("14 days only for a session without any limit", async () => {
    const user = `unbounded-${freshId()}`;
    const s = { ...loaded(), secondsLeft: () => undefined };
    await linkSession(ns, s, user);
    await advanceObject(sessionStub(s.id), 14 * 24 * 3600 - 1);
    expect(await listSessions(ns, user)).toHaveLength(1);
    await advanceObject(sessionStub(s.id), 2);
    expect(await listSessions(ns, user)).toEqual([]);
  });

  it("a session with no time left is not linked (false), and nothing is written", async () => {
    const user = `none-left-${freshId()}`;
    const s = loaded(0, 0);
    expect(await linkSession(ns, s, user)).toBe(false);
    expect(await indexedIds(user)).toEqual([]);
    expect(await storageOf(sessionStub(s.id))).toEqual({});
  });
});

describe("bounds are checked before anything is written", () => {
  const huge = [Number.MAX_SAFE_INTEGER, 10 * 365 * 24 * 3600 + 1, 1.5, -1, Number.NaN];

  it.each(huge)("linkSession with ttl %s is refused (SessionConfigError) and changes nothing", async (ttl) => {
    const user = `bounds-${freshId()}`;
    const kept = loaded();
    await linkSession(ns, kept, user);
    const before = await listSessions(ns, user);
    const s = { ...loaded(), secondsLeft: () => undefined };
    await expect(linkSession(ns, s, user, { ttl })).rejects.toThrow(SessionConfigError);
    expect(await listSessions(ns, user)).toEqual(before);
    expect(await indexedIds(user)).toEqual([kept.id]);
    expect(await storageOf(sessionStub(s.id))).toEqual({});
  });

  it("every ttl the store accepts is at most ten years: write ttl and keep, revoke, revokeSession", async () => {
    const key = freshId();
    const over = 10 * 365 * 24 * 3600 + 1;
    await expect(store.write(key, { value: "v", ttl: over })).rejects.toThrow(SessionConfigError);
    await expect(store.write(key, { value: "v", ttl: 60, keep: over })).rejects.toThrow(SessionConfigError);
    await expect(store.write(key, { value: "v", ttl: over - 100, keep: 200 })).rejects.toThrow(SessionConfigError);
    await expect(store.revoke(key, over)).rejects.toThrow(SessionConfigError);
    await expect(revokeSession(ns, key, { ttl: over })).rejects.toThrow(SessionConfigError);
    // Called directly, the object refuses too, before writing.
    const link = { userId: "u", device: "", created: T0, lastUsed: T0, ttl: Number.MAX_SAFE_INTEGER, seq: 1 };
    await expect(runInDurableObject(sessionStub(key), (object: SessionObject) => object.link(link))).rejects.toThrow(TypeError);
    expect(await storageOf(sessionStub(key))).toEqual({});
    expect(await store.write(key, { value: "v", ttl: over - 1 })).toEqual({ ok: true, version: 1 });
  });
});

describe("input errors are typed", () => {
  const bad = (what: unknown) => what as never;
  it.each([
    ["listSessions without a namespace", () => listSessions(bad(undefined), "u")],
    ["listSessions with a number as user", () => listSessions(ns, bad(42))],
    ["linkSession with a session not loaded", () => linkSession(ns, bad({}), "u")],
    ["linkSession with a session whose id is not a string", () => linkSession(ns, { ...loaded(), id: bad(1) }, "u")],
    [
      "linkSession with meta times that are not numbers",
      () => linkSession(ns, { ...loaded(), meta: bad({ created: "x", lastUsed: 0 }) }, "u"),
    ],
    ["linkSession with a device that is not a string", () => linkSession(ns, loaded(), "u", { device: bad(7) })],
    ["linkSession with null options", () => linkSession(ns, loaded(), "u", bad(null))],
    ["revokeSession with an empty id", () => revokeSession(ns, "")],
    ["revokeSession with a ttl that is a string", () => revokeSession(ns, freshId(), { ttl: bad("60") })],
    ["revokeAllSessions with a number in except", () => revokeAllSessions(ns, "u", { except: bad([1]) })],
    ["store get of a number key", () => store.get(bad(1))],
    ["store write of a non-string value", () => store.write(freshId(), { value: bad(1), ttl: 60 })],
    ["store write without a request", () => store.write(freshId(), bad(undefined))],
    ["store write with expected -1", () => store.write(freshId(), { value: "v", ttl: 60, expected: -1 })],
    ["store set without options", () => store.set(freshId(), "v", bad(undefined))],
    ["store release with a number token", () => store.release(freshId(), bad(1))],
  ])("%s: SessionConfigError", async (_name, call) => {
    const error = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SessionConfigError);
  });

  it("an over-long key is SessionTooLargeError; bad store options are SessionConfigError", async () => {
    await expect(store.get("k".repeat(513))).rejects.toThrow(SessionTooLargeError);
    expect(() => new DurableObjectStore(ns, { exclusive: bad("yes") })).toThrow(SessionConfigError);
    expect(() => new DurableObjectStore(ns, bad(null))).toThrow(SessionConfigError);
  });
});

describe("an object that never answers", () => {
  /** A namespace whose objects accept every call and never answer it (a hung object). */
  const hung = { getByName: () => new Proxy({}, { get: () => () => new Promise(() => {}) }) } as never;

  it.each([
    ["linkSession", () => linkSession(hung, loaded(), `hung-${freshId()}`)],
    ["listSessions", () => listSessions(hung, `hung-${freshId()}`)],
    ["revokeSession", () => revokeSession(hung, freshId(), { ttl: 60 })],
    ["revokeAllSessions", () => revokeAllSessions(hung, `hung-${freshId()}`)],
  ])("%s fails with SessionStoreError (cause StoreTimeout) after 5 s instead of hanging its caller", async (_name, call) => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const pending = call();
      let settled = false;
      pending.catch(() => (settled = true));
      await vi.advanceTimersByTimeAsync(4999);
      expect(settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      await expect(pending).rejects.toMatchObject({ name: "SessionStoreError", cause: { name: "StoreTimeout" } });
    } finally {
      vi.useRealTimers();
    }
  });
});
