/**
 * "Log out everywhere" in one write: cookie sessions seal their user and its revocation generation, their
 * checks ask the user's object, and revokeAllSessions bumps that generation without calling the sessions'
 * objects. Every clock is injected; object calls are counted, never timed.
 */
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { createKeyring, newSessionId, sealSession, SessionStoreError, unsealSession } from "../src/index.js";
import { linkSession, listSessions, revokeAllSessions, revokeSession } from "../src/durable-object/users.js";
import { DurableObjectStore } from "../src/durable-object/store.js";
import type { SessionObject } from "../src/durable-object/object.js";
import { advanceObject, freshId, indexedIds, sessionStub, storageOf, userStub } from "./do-helpers.js";
import { forgeJwe, rawKey } from "./forge.js";
import { jar, SECRET, testClock } from "./helpers.js";
import { app, counting, lastAcceptedAfter, login, NAME, TOUCH_AFTER, type Namespace } from "./linked-app.js";

const status = async (hono: Hono<never>, j: ReturnType<typeof jar>) => (await hono.request("/me", { headers: j.header() })).status;

/** revokeAllSessions as another isolate runs it: straight on the user's object (this isolate's memory knows nothing). */
async function revokeAllElsewhere(user: string, except: string[] = []): Promise<void> {
  await userStub(user).revokeAll(except);
}

async function ownerOf(value: string | undefined, now: number) {
  const opened = await unsealSession(value!, await createKeyring(SECRET, { purpose: NAME }), { now });
  return opened.ok ? opened.meta.owner : undefined;
}

describe("revokeAllSessions is one write", () => {
  it("for cookie sessions that were checked: one call to the user's object, none to the sessions' (was one per session, plus two)", async () => {
    const clock = testClock(Date.now());
    const { namespace, calls } = counting();
    const hono = app({ revocation: { namespace }, now: clock.now }, namespace);
    const user = `one-${freshId()}`;
    const browsers = [await login(hono, user), await login(hono, user), await login(hono, user)];
    for (const { j } of browsers) expect(await status(hono, j)).toBe(200);
    calls.length = 0;
    expect(await revokeAllSessions(namespace, user)).toBe(3);
    expect(calls).toEqual(["revokeAll"]);
    for (const { j } of browsers) expect(await status(hono, j)).toBe(401);
    expect(await listSessions(namespace, user)).toEqual([]);
  });

  it("sessions no cookie check reached yet (and server-side sessions) have their objects revoked: one call each, then one removal", async () => {
    const { namespace, calls } = counting();
    const user = `fan-${freshId()}`;
    const now = Date.now();
    const sessions = [0, 1].map(() => ({
      id: newSessionId(),
      meta: { id: "", created: now, lastUsed: now, lifetime: 0 },
      secondsLeft: () => 600,
    }));
    for (const s of sessions) await linkSession(namespace, s, user);
    calls.length = 0;
    expect(await revokeAllSessions(namespace, user)).toBe(2);
    expect(calls).toEqual(["revokeAll", "revoke", "revoke", "removeSessions"]);
    for (const s of sessions) expect((await new DurableObjectStore(env.SESSION_OBJECTS).check(s.id)).revoked).toBe(true);
  });

  it("the login seals the user's reference and generation; checks then ask the user's object only", async () => {
    const clock = testClock(Date.now());
    const { namespace, calls } = counting();
    const hono = app({ revocation: { namespace }, now: clock.now }, namespace);
    const user = `seal-${freshId()}`;
    const { j } = await login(hono, user);
    expect(await ownerOf(j.value, clock.now())).toEqual({ userId: user, generation: 0 });
    calls.length = 0;
    clock.advance(1);
    expect(await status(hono, j)).toBe(200);
    expect(calls).toEqual(["checkSession"]);
  });
});

describe("a copied cookie after revokeAllSessions elsewhere", () => {
  it.each([10, 30, 60])(
    "works for at most recheckAfter (%i s), never longer, wherever the revocation falls",
    async (recheckAfter) => {
      for (const offset of [0, 9, 31, 59]) {
        expect(await lastAcceptedAfter(recheckAfter, offset, ({ user }) => revokeAllElsewhere(user))).toBeLessThan(recheckAfter);
      }
    },
    60_000, // hundreds of requests: slow only when the machine is busy
  );

  it("with recheckAfter 0: refused on its very next request", async () => {
    const clock = testClock(Date.now());
    const { namespace } = counting();
    const hono = app({ revocation: { namespace }, now: clock.now }, namespace);
    const user = `zero-${freshId()}`;
    const { j } = await login(hono, user);
    expect(await status(hono, j)).toBe(200);
    await revokeAllElsewhere(user);
    expect(await status(hono, j)).toBe(401);
  });

  it("except keeps the current session through the generation bump; its cookie moves to the new generation", async () => {
    const clock = testClock(Date.now());
    const { namespace } = counting();
    const hono = app({ revocation: { namespace }, now: clock.now }, namespace);
    const user = `keep-${freshId()}`;
    const [current, other] = [await login(hono, user), await login(hono, user)];
    for (const b of [current, other]) expect(await status(hono, b.j)).toBe(200);
    await revokeAllElsewhere(user, [current.id]);
    expect(await status(hono, other.j)).toBe(401);
    expect(await status(hono, current.j)).toBe(200);
    clock.advance(TOUCH_AFTER);
    current.j.take(await hono.request("/me", { headers: current.j.header() }));
    expect(await ownerOf(current.j.value, clock.now())).toEqual({ userId: user, generation: 1 });
    expect((await listSessions(namespace, user)).map((d) => d.id)).toEqual([current.id]);
  });
});

describe("cookies without a user reference, or with one the user's object cannot vouch for", () => {
  /** A cookie for `id` sealed by hand (as a version before user references, or with the given owner). */
  async function cookieFor(id: string, now: number, owner?: { userId: string; generation: number }) {
    const keys = await createKeyring(SECRET, { purpose: NAME });
    const at = now - (now % 1000);
    const j = jar();
    j.value = await sealSession({ data: { user: "sealed" }, meta: { id, created: at, lastUsed: at, lifetime: 0, owner } }, keys);
    return j;
  }

  it("a linked session's cookie without a reference asks its object, then its user's, and is refused after revokeAllSessions", async () => {
    const clock = testClock(Date.now());
    const { namespace, calls } = counting();
    const hono = app({ revocation: { namespace }, now: clock.now }, namespace);
    const user = `legacy-${freshId()}`;
    const { id } = await login(hono, user);
    const legacy = await cookieFor(id, clock.now());
    calls.length = 0;
    expect(await status(hono, legacy)).toBe(200);
    expect(calls).toEqual(["check", "checkSession"]);
    await revokeAllElsewhere(user);
    expect(await status(hono, legacy)).toBe(401);
  });

  it("a reference whose generation is ahead of the user's (the user's object lost its state) does not survive revokeAllSessions", async () => {
    const clock = testClock(Date.now());
    const { namespace } = counting();
    const hono = app({ revocation: { namespace }, now: clock.now }, namespace);
    const user = `ahead-${freshId()}`;
    const { id } = await login(hono, user);
    const ahead = await cookieFor(id, clock.now(), { userId: user, generation: 99 });
    expect(await status(hono, ahead)).toBe(200);
    await revokeAllElsewhere(user);
    expect(await status(hono, ahead)).toBe(401);
  });

  it("a reference naming a user the session is not linked to is no free pass: its real user's revokeAllSessions ends it", async () => {
    const clock = testClock(Date.now());
    const { namespace } = counting();
    const hono = app({ revocation: { namespace }, now: clock.now }, namespace);
    const [alice, mallory] = [`alice-${freshId()}`, `mallory-${freshId()}`];
    const { id } = await login(hono, alice);
    const wrong = await cookieFor(id, clock.now(), { userId: mallory, generation: 0 });
    expect(await status(hono, wrong)).toBe(200);
    await revokeAllElsewhere(alice);
    expect(await status(hono, wrong)).toBe(401);
  });
});

describe("revokeSession whose index step failed", () => {
  it("the session's object finishes the index step itself (its alarm, seconds later): the copy is refused at its next check, and a retry still finds the user", async () => {
    const clock = testClock(Date.now());
    const { namespace } = counting();
    const hono = app({ revocation: { namespace, recheckAfter: 0 }, now: clock.now }, namespace);
    const user = `retry-${freshId()}`;
    const { j, id } = await login(hono, user);
    expect(await status(hono, j)).toBe(200);
    // Elsewhere: the session's object took the revocation, the user's index did not (the call failed there).
    await sessionStub(id).revoke(3600);
    expect(await indexedIds(user)).toEqual([id]);
    // The object's alarm makes the removal again a few seconds later (its clock moved here, not slept).
    await advanceObject(sessionStub(id), 10);
    await runDurableObjectAlarm(sessionStub(id));
    expect(await indexedIds(user)).toEqual([]);
    clock.advance(1);
    expect(await status(hono, j)).toBe(401);
    // Done: nothing more is due; the tombstone keeps the user, so a retry of revokeSession still finds it (the link is gone).
    await runDurableObjectAlarm(sessionStub(id));
    expect(await storageOf(sessionStub(id))).toEqual({
      tomb: { until: expect.any(Number), link: { userId: user, seq: expect.any(Number) } },
    });
    await revokeSession(namespace, id);
    expect(await indexedIds(user)).toEqual([]);
  });

  it("the object finds its own namespace among the Worker's bindings where the runtime has no ctx.exports", async () => {
    const clock = testClock(Date.now());
    const { namespace } = counting();
    const hono = app({ revocation: { namespace, recheckAfter: 0 }, now: clock.now }, namespace);
    const user = `no-exports-${freshId()}`;
    const { j, id } = await login(hono, user);
    const stub = sessionStub(id);
    const exports = await runInDurableObject(stub, (object: SessionObject) => {
      const ctx = (object as unknown as { ctx: { exports: unknown } }).ctx;
      const original = ctx.exports;
      Object.defineProperty(ctx, "exports", { value: undefined, configurable: true, writable: true });
      return original;
    });
    try {
      await stub.revoke(3600); // the index step fails elsewhere
      await advanceObject(stub, 10);
      await runDurableObjectAlarm(stub);
      expect(await indexedIds(user)).toEqual([]);
      clock.advance(1);
      expect(await status(hono, j)).toBe(401);
    } finally {
      await runInDurableObject(stub, (object: SessionObject) => {
        (object as unknown as { ctx: { exports: unknown } }).ctx.exports = exports;
      });
    }
  });

  it("in the isolate that revoked, a cookie carrying its user is refused at once although the user's index still holds it", async () => {
    const clock = testClock(Date.now());
    const { namespace } = counting();
    const hono = app({ revocation: { namespace, recheckAfter: 60 }, now: clock.now }, namespace);
    const user = `here-${freshId()}`;
    const { j, id } = await login(hono, user);
    // The index step fails: revokeSession throws, but the session's object has the revocation.
    const failing = {
      getByName: (name: string) =>
        name.startsWith("u:") ? { removeSessions: () => Promise.reject(new Error("object reset")) } : env.SESSION_OBJECTS.getByName(name),
    } as unknown as Namespace;
    await expect(revokeSession(failing, id)).rejects.toThrow(SessionStoreError);
    expect(await indexedIds(user)).toEqual([id]);
    clock.advance(1);
    expect(await status(hono, j)).toBe(401);
  });
});

describe("re-linking to another user moves the session, cookie included", () => {
  it("the switch reseals the new user's reference: the old user's revokeAllSessions leaves it, the new one's ends it", async () => {
    const clock = testClock(Date.now());
    const { namespace } = counting();
    const hono = app({ revocation: { namespace }, now: clock.now }, namespace);
    const [alice, bob] = [`alice-${freshId()}`, `bob-${freshId()}`];
    const { j } = await login(hono, alice);
    j.take(await hono.request(`/switch/${bob}`, { method: "POST", headers: j.header() }));
    expect(await ownerOf(j.value, clock.now())).toMatchObject({ userId: bob });
    await revokeAllElsewhere(alice);
    expect(await status(hono, j)).toBe(200);
    await revokeAllElsewhere(bob);
    expect(await status(hono, j)).toBe(401);
  });
});

describe("the sealed user reference (envelope member o)", () => {
  const now = Date.UTC(2026, 10, 24, 9, 0, 0);
  const meta = { id: newSessionId(), created: now, lastUsed: now, lifetime: 0 };

  it("round-trips through seal and unseal", async () => {
    const keys = await createKeyring(SECRET, { purpose: NAME });
    const value = await sealSession({ data: {}, meta: { ...meta, owner: { userId: "ada", generation: 7 } } }, keys);
    const opened = await unsealSession(value, keys, { now });
    expect(opened.ok && opened.meta.owner).toEqual({ userId: "ada", generation: 7 });
  });

  it.each([
    ["an empty user id", { userId: "", generation: 0 }],
    ["a user id over 256 characters", { userId: "u".repeat(257), generation: 0 }],
    ["a negative generation", { userId: "ada", generation: -1 }],
    ["a fractional generation", { userId: "ada", generation: 1.5 }],
    ["a user id that is not a string", { userId: 42, generation: 0 }],
  ])("sealing %s is a SessionConfigError naming the field, never the value", async (_what, owner) => {
    const keys = await createKeyring(SECRET, { purpose: NAME });
    await expect(sealSession({ data: {}, meta: { ...meta, owner } as never }, keys)).rejects.toThrow(/envelope\.meta\.owner/);
    await expect(sealSession({ data: {}, meta: { ...meta, owner } as never }, keys)).rejects.not.toThrow(/u{257}/);
  });

  it.each([["ada"], ["ada", -1], ["ada", 1, 2], [1, 1], "ada", { userId: "ada", generation: 1 }])(
    "a malformed member (%j) opens as no reference: the session's own object is asked",
    async (o) => {
      const key = await rawKey(SECRET, NAME);
      const { kid } = (await createKeyring(SECRET, { purpose: NAME })).current;
      const plaintext = JSON.stringify({ i: meta.id, c: now / 1000, u: now / 1000, l: 0, d: {}, o });
      const value = await forgeJwe({ header: { alg: "dir", enc: "A256GCM", kid }, plaintext, key });
      const opened = await unsealSession(value, await createKeyring(SECRET, { purpose: NAME }), { now });
      expect(opened.ok).toBe(true);
      expect(opened.ok && opened.meta.owner).toBeUndefined();
    },
  );
});
