import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createKeyring, sealSession, session, unsealSession } from "../src/index.js";
import { SessionConfigError } from "../src/core/errors.js";
import type { SessionObject } from "../src/durable-object/object.js";
import { listSessions, revokeSession } from "../src/durable-object/users.js";
import { advanceObject, appAndObjectClock, freshId, indexedIds, sessionStub, storageOf, userStub } from "./do-helpers.js";
import { SECRET, testClock } from "./helpers.js";
import { app, counting, IDLE, lastAcceptedAfter, login, NAME, TOUCH_AFTER } from "./linked-app.js";

/**
 * Revokes as revokeSession in another isolate would (the session's object, then its user's index), straight on
 * the objects, so this isolate's revocation memory knows nothing.
 */
async function revokeElsewhere(id: string): Promise<void> {
  const { link } = await sessionStub(id).revoke(3600);
  if (link) await userStub(link.userId).removeSessions([{ id, seq: link.seq }]);
}

describe("revocation.recheckAfter: the cookie carries its last confirmation", () => {
  it.each([10, 30, 60])(
    "a copied cookie works for at most recheckAfter (%i s) after a revocation elsewhere, never longer, wherever the revocation falls",
    async (recheckAfter) => {
      for (const offset of [0, 9, 31, 59]) {
        expect(await lastAcceptedAfter(recheckAfter, offset, ({ id }) => revokeElsewhere(id))).toBeLessThan(recheckAfter);
      }
    },
    60_000, // hundreds of requests: slow only when the machine is busy
  );

  it("recheckAfter: 0 asks the object on every request, as before", async () => {
    const clock = testClock(Date.now());
    const { namespace, calls } = counting();
    const hono = app({ revocation: { namespace, recheckAfter: 0 }, now: clock.now }, namespace);
    const { j, id } = await login(hono, `zero-${freshId()}`);
    calls.length = 0;
    for (let i = 0; i < 5; i++) {
      clock.advance(1);
      expect((await hono.request("/me", { headers: j.header() })).status).toBe(200);
    }
    // The login sealed the user's reference: each check is one call to the user's object.
    expect(calls).toEqual(["checkSession", "checkSession", "checkSession", "checkSession", "checkSession"]);
    await revokeElsewhere(id);
    expect((await hono.request("/me", { headers: j.header() })).status).toBe(401);
  });

  it("a check due on a reseal is one call, to the user's object: it seals the confirmation (k) and moves the device list's lastUsed; no extra Set-Cookie", async () => {
    const clock = testClock(Date.now());
    const { namespace, calls } = counting();
    const hono = app({ revocation: { namespace, recheckAfter: 30 }, now: clock.now }, namespace);
    const user = `ride-${freshId()}`;
    const { j } = await login(hono, user);
    const keys = await createKeyring(SECRET, { purpose: NAME });
    calls.length = 0;
    clock.advance(TOUCH_AFTER);
    const res = await hono.request("/me", { headers: j.header() });
    expect(j.take(res)).toBeDefined();
    expect(calls).toEqual(["checkSession"]);
    const opened = await unsealSession(j.value!, keys, { now: clock.now() });
    expect(opened.ok && opened.meta.checked).toBe(clock.now() - (clock.now() % 1000));
    expect((await listSessions(namespace, user))[0]?.lastUsed).toBe(clock.now() - (clock.now() % 1000));
  });

  it.each([{ recheckAfter: 30 }, { recheckAfter: 0, cacheFor: 30 }, { recheckAfter: 10, cacheFor: 30 }])(
    "a trace of 10 minutes (a request every 2 s, a write every 50 s, rolls at touchAfter) with %o: one call per 30 s, to the user's object; none on the rolls and writes between; as many Set-Cookies as without revocation",
    async (windows) => {
      const run = async (revocation: boolean) => {
        const clock = testClock(Date.now());
        const { namespace, calls } = counting();
        const hono = app(revocation ? { revocation: { namespace, ...windows }, now: clock.now } : { now: clock.now }, namespace);
        const { j } = await login(hono, `trace-${freshId()}`);
        let setCookies = 0;
        let quietReseals = 0;
        const checkedAt: number[] = [];
        for (let i = 1; i <= 300; i++) {
          clock.advance(2);
          calls.length = 0;
          const write = i % 25 === 0;
          const res = await hono.request(write ? "/write" : "/me", { method: write ? "POST" : "GET", headers: j.header() });
          expect(res.status).toBe(200);
          const resealed = j.take(res) !== undefined;
          if (resealed) setCookies++;
          if (calls.length > 0) {
            expect(calls).toEqual(["checkSession"]);
            checkedAt.push(2 * i);
          } else if (resealed) quietReseals++;
        }
        return { setCookies, checkedAt, quietReseals };
      };
      const plain = await run(false);
      const revocable = await run(true);
      expect(plain.checkedAt).toEqual([]);
      expect(revocable.setCookies).toBe(plain.setCookies);
      // 600 s: 20 checks, exactly 30 s apart, and nothing else.
      expect(revocable.checkedAt).toHaveLength(20);
      expect(revocable.checkedAt.slice(1).map((t, k) => t - revocable.checkedAt[k]!)).toEqual(Array(19).fill(30));
      // Most reseals (writes every 50 s, rolls 60 s after the last write) fall between checks and call nothing.
      expect(revocable.quietReseals).toBeGreaterThan(revocable.setCookies / 2);
    },
    30_000,
  );

  it.each([
    ["after a check", 30],
    ["just linked (before its first check)", 0],
  ])(
    "a linked session %s, resealed without a call and then idle for almost idleTimeout, stays listed and linked",
    async (_when, checkAt) => {
      const clock = testClock(Date.now());
      const { namespace, calls } = counting();
      const hono = app({ revocation: { namespace, recheckAfter: 30 }, now: clock.now }, namespace);
      const user = `idle-${freshId()}`;
      const { j, id } = await login(hono, user);
      const advance = appAndObjectClock(clock, sessionStub(id));
      if (checkAt) {
        await advance(checkAt);
        expect((await hono.request("/me", { headers: j.header() })).status).toBe(200);
      }
      await advance(29);
      calls.length = 0;
      expect(j.take(await hono.request("/write", { method: "POST", headers: j.header() }))).toBeDefined();
      expect(calls).toEqual([]); // within recheckAfter of the last confirmation: no call, yet the idle deadline moved
      const writtenAt = clock.now() - (clock.now() % 1000);
      // The device list's lastUsed is the last check's (or the login's): within recheckAfter of the last use.
      const [listed] = await listSessions(namespace, user);
      expect(writtenAt - listed!.lastUsed).toBeLessThan(30_000);
      expect(writtenAt - listed!.lastUsed).toBeGreaterThanOrEqual(0);
      // The cookie's idle deadline is writtenAt + IDLE; the link was made or last carried forward before that.
      await advance(IDLE - 1);
      expect((await listSessions(namespace, user)).map((d) => d.id)).toEqual([id]);
      expect(await indexedIds(user)).toEqual([id]);
      expect((await hono.request("/me", { headers: j.header() })).status).toBe(200);
      const copied = j.header();
      // Still linked: its user's revokeAllSessions ends it (elsewhere: the copy learns it at its next check).
      await userStub(user).revokeAll([]);
      await advance(30);
      expect((await hono.request("/me", { headers: copied })).status).toBe(401);
    },
  );

  it("a linked session that is no longer used leaves the device list and its user's index within recheckAfter of its idle deadline", async () => {
    const clock = testClock(Date.now());
    const { namespace } = counting();
    const hono = app({ revocation: { namespace, recheckAfter: 30 }, now: clock.now }, namespace);
    const user = `gone-${freshId()}`;
    const { j, id } = await login(hono, user);
    const advance = appAndObjectClock(clock, sessionStub(id));
    for (let t = 0; t < 3 * IDLE; t += 40) {
      await advance(40);
      j.take(await hono.request("/me", { headers: j.header() })); // a check each time (40 s > recheckAfter)
    }
    await advance(IDLE - 1);
    expect((await listSessions(namespace, user)).map((d) => d.id)).toEqual([id]);
    await advance(32); // past the idle deadline, and past what the last check allowed for a reseal after it
    expect((await hono.request("/me", { headers: j.header() })).status).toBe(401);
    expect(await listSessions(namespace, user)).toEqual([]);
    expect(await indexedIds(user)).toEqual([]);
    expect(await storageOf(sessionStub(id))).toEqual({});
  });

  it("when its user's object cannot be reached, a lapsed link stays (retried a minute later) and is never dropped while the index may keep it", async () => {
    const clock = testClock(Date.now());
    const { namespace } = counting();
    const hono = app({ revocation: { namespace, recheckAfter: 30 }, now: clock.now }, namespace);
    const user = `unreachable-${freshId()}`;
    const { j, id } = await login(hono, user);
    const stub = sessionStub(id);
    const advance = appAndObjectClock(clock, stub);
    for (let t = 0; t < IDLE; t += 40) {
      await advance(40);
      j.take(await hono.request("/me", { headers: j.header() }));
    }
    const linkOf = async () => (await storageOf(stub)).link as { expiresAt: number; retryAt?: number };
    const linkedUntil = (await linkOf()).expiresAt; // as linkSession made it: the checks since moved only the index
    const objectNow = await runInDurableObject(stub, (object: SessionObject) => object.clock());
    await advance(Math.floor((linkedUntil - objectNow) / 1000) - 1);
    const exports = await runInDurableObject(stub, (object: SessionObject) => {
      const ctx = (object as unknown as { ctx: { exports: unknown } }).ctx;
      const original = ctx.exports;
      // The namespace as the object finds it, whose user objects fail every call.
      const real = (original as { SessionObject: typeof env.SESSION_OBJECTS }).SessionObject;
      const down = {
        [Symbol.toStringTag]: "DurableObjectNamespace",
        idFromName: (name: string) => real.idFromName(name),
        getByName: () => ({ lapse: () => Promise.reject(new Error("object reset")) }),
      };
      Object.defineProperty(ctx, "exports", { value: { SessionObject: down }, configurable: true, writable: true });
      return original;
    });
    try {
      await advance(3); // the link's own expiry passes; its alarm cannot ask the index
      expect(await linkOf()).toMatchObject({ expiresAt: linkedUntil, retryAt: expect.any(Number) });
      expect((await listSessions(namespace, user)).map((d) => d.id)).toEqual([id]); // the index still keeps it
    } finally {
      await runInDurableObject(stub, (object: SessionObject) => {
        (object as unknown as { ctx: { exports: unknown } }).ctx.exports = exports;
      });
    }
    await advance(60); // the retry: the index answers how long the checks keep the link
    const entry = (await storageOf(userStub(user)))[`d:${id}`] as { used: { until: number } };
    expect(await linkOf()).toEqual(expect.objectContaining({ expiresAt: entry.used.until }));
    expect((await linkOf()).retryAt).toBeUndefined();
    await revokeSession(namespace, id); // finds its user through the link, as ever
    expect(await indexedIds(user)).toEqual([]);
  });

  it("an index entry written before checks recorded their use (no record) keeps the rules it had: the link's own expiry decides until a check starts the record", async () => {
    const clock = testClock(Date.now());
    const { namespace } = counting();
    const hono = app({ revocation: { namespace, recheckAfter: 30 }, now: clock.now }, namespace);
    /** A linked session as the version before left it: its user's entry marked by a check, without `used`. */
    const asBefore = async () => {
      const user = `before-${freshId()}`;
      const { j, id } = await login(hono, user);
      await runInDurableObject(userStub(user), (_object: SessionObject, state) => {
        const { used: _, ...entry } = state.storage.kv.get<Record<string, unknown>>(`d:${id}`)!;
        state.storage.kv.put(`d:${id}`, { ...entry, cookie: true });
      });
      return { user, j, id };
    };
    const entryOf = async (user: string, id: string) => (await storageOf(userStub(user)))[`d:${id}`] as { used?: unknown } | undefined;
    const [checked, idle] = [await asBefore(), await asBefore()];
    expect(await entryOf(checked.user, checked.id)).not.toHaveProperty("used");
    clock.advance(31);
    expect((await hono.request("/me", { headers: checked.j.header() })).status).toBe(200);
    expect(await entryOf(checked.user, checked.id)).toHaveProperty("used");
    // The other is never checked again: at its link's own expiry it leaves the index, as it did before.
    const { expiresAt } = (await storageOf(sessionStub(idle.id))).link as { expiresAt: number };
    await advanceObject(sessionStub(idle.id), Math.ceil((expiresAt - Date.now()) / 1000) + 1);
    await runDurableObjectAlarm(sessionStub(idle.id));
    expect(await storageOf(sessionStub(idle.id))).toEqual({});
    expect(await indexedIds(idle.user)).toEqual([]);
  });

  it("a confirmation sealed in the cookie is trusted for recheckAfter, not longer, and never from the future", async () => {
    const clock = testClock(Date.now());
    const { namespace, calls } = counting();
    const hono = app({ revocation: { namespace, recheckAfter: 30 }, now: clock.now }, namespace);
    const keys = await createKeyring(SECRET, { purpose: NAME });
    const now = clock.now() - (clock.now() % 1000);
    const cookie = async (checked: number) => {
      // A session this isolate never saw, revoked elsewhere: only the sealed confirmation can let it in.
      const id = freshId();
      await revokeElsewhere(id);
      const value = await sealSession(
        { data: { user: "sealed" }, meta: { id, created: now - 20_000, lastUsed: now - 20_000, lifetime: 0, checked } },
        keys,
      );
      return { Cookie: `${NAME}=${value}` };
    };
    calls.length = 0;
    expect((await hono.request("/me", { headers: await cookie(now - 29_000) })).status).toBe(200);
    expect(calls.filter((call) => call === "check")).toEqual([]);
    expect((await hono.request("/me", { headers: await cookie(now - 30_000) })).status).toBe(401);
    expect((await hono.request("/me", { headers: await cookie(now + 5_000) })).status).toBe(401);
  });

  it("a revocation made in this isolate applies at once, whatever the cookie's confirmation; log out expires the cookie", async () => {
    const clock = testClock(Date.now());
    const { namespace } = counting();
    const hono = app({ revocation: { namespace, recheckAfter: 60 }, now: clock.now }, namespace);
    const { j, id } = await login(hono, `here-${freshId()}`);
    clock.advance(TOUCH_AFTER);
    j.take(await hono.request("/me", { headers: j.header() })); // resealed with a fresh confirmation
    const copied = j.header();
    clock.advance(1);
    await revokeSession(namespace, id);
    expect(await (await hono.request("/me", { headers: copied })).json()).toMatchObject({ invalid: "revoked" });

    const other = await login(hono, `bye-${freshId()}`);
    clock.advance(TOUCH_AFTER);
    other.j.take(await hono.request("/me", { headers: other.j.header() }));
    const before = other.j.header();
    const res = await hono.request("/logout", { method: "POST", headers: other.j.header() });
    expect(res.headers.getSetCookie().some((c) => c.startsWith(`${NAME}=;`) && /Max-Age=0/.test(c))).toBe(true);
    expect((await hono.request("/me", { headers: before })).status).toBe(401);
  });

  it("recheckAfter is validated like cacheFor (at most touchAfter); its default is 0: every request asks, as in 0.1", () => {
    const revocation = { namespace: env.SESSION_OBJECTS };
    for (const recheckAfter of [-1, 1.5, Number.NaN, "30" as never, TOUCH_AFTER + 1]) {
      expect(() =>
        session({ secret: SECRET, idleTimeout: IDLE, touchAfter: TOUCH_AFTER, revocation: { ...revocation, recheckAfter } }),
      ).toThrow(SessionConfigError);
    }
    expect(() => session({ secret: SECRET, idleTimeout: IDLE, touchAfter: 10, revocation })).not.toThrow();
    expect(() =>
      session({ secret: SECRET, idleTimeout: IDLE, touchAfter: TOUCH_AFTER, revocation: { ...revocation, recheckAfter: TOUCH_AFTER } }),
    ).not.toThrow();
  });
});
