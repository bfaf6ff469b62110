import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createKeyring, sealSession, session, unsealSession } from "../src/index.js";
import { SessionConfigError } from "../src/core/errors.js";
import { listSessions, revokeSession } from "../src/durable-object/users.js";
import { freshId, sessionStub, userStub } from "./do-helpers.js";
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

  it("the reseal at touchAfter seals the confirmation (k); the user's check and the link's touch go out in parallel; no extra Set-Cookie", async () => {
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
    expect(calls.sort()).toEqual(["check", "checkSession"]);
    const opened = await unsealSession(j.value!, keys, { now: clock.now() });
    expect(opened.ok && opened.meta.checked).toBe(clock.now() - (clock.now() % 1000));
    expect((await listSessions(namespace, user))[0]?.lastUsed).toBe(clock.now() - (clock.now() % 1000));
  });

  it("a trace of 10 minutes (a request every 2 s): one user check per recheckAfter plus one touch per touchAfter, and as many Set-Cookies as without revocation", async () => {
    const run = async (revocation: boolean) => {
      const clock = testClock(Date.now());
      const { namespace, calls } = counting();
      const hono = app(revocation ? { revocation: { namespace, recheckAfter: 30 }, now: clock.now } : { now: clock.now }, namespace);
      const { j } = await login(hono, `trace-${freshId()}`);
      calls.length = 0;
      let setCookies = 0;
      const requests = 300;
      for (let i = 0; i < requests; i++) {
        clock.advance(2);
        const res = await hono.request("/me", { headers: j.header() });
        expect(res.status).toBe(200);
        if (j.take(res) !== undefined) setCookies++;
      }
      return { calls: calls.length, setCookies, requests };
    };
    const plain = await run(false);
    const revocable = await run(true);
    expect(plain.calls).toBe(0);
    expect(revocable.setCookies).toBe(plain.setCookies);
    // 600 s: a check of the user's object every 30 s (20), and the link's touch at each reseal (10).
    expect(revocable.calls).toBeLessThanOrEqual(600 / 30 + 600 / TOUCH_AFTER);
    expect(revocable.calls).toBeGreaterThan(0);
  }, 30_000);

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
