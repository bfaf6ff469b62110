import { env } from "cloudflare:workers";
import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { DurableObjectStore } from "../src/do/store.js";
import { linkSession, listSessions, revokeAllSessions, revokeSession, type LinkableSession } from "../src/do/users.js";
import { SessionStoreError } from "../src/errors.js";
import { advanceObject, freshId, sessionStub, storageOf, userStub } from "./do-helpers.js";

const ns = env.SESSION_OBJECTS;
const store = new DurableObjectStore(ns);
const T0 = Date.UTC(2026, 10, 24, 9, 0, 0);

/** A loaded session as linkSession reads it. */
function loaded(lastUsedOffset = 0, idleLeft: number | undefined = 600): LinkableSession {
  return {
    id: freshId(),
    meta: { id: "", created: T0, lastUsed: T0 + lastUsedOffset * 1000, lifetime: 0 },
    idleSecondsLeft: () => idleLeft,
  };
}

describe("per-user session index", () => {
  it("lists the user's sessions with device, created and lastUsed, most recent first", async () => {
    const user = `user-${freshId()}`;
    const [phone, laptop] = [loaded(10), loaded(20)];
    expect(await linkSession(ns, phone, user, { device: "Phone" })).toBe(true);
    expect(await linkSession(ns, laptop, user, { device: "Laptop" })).toBe(true);
    expect(await listSessions(ns, user)).toEqual([
      { id: laptop.id, device: "Laptop", created: T0, lastUsed: T0 + 20_000 },
      { id: phone.id, device: "Phone", created: T0, lastUsed: T0 + 10_000 },
    ]);
    expect(await listSessions(ns, `nobody-${freshId()}`)).toEqual([]);
  });

  it("a server-side write moves lastUsed in the listing", async () => {
    const user = `user-${freshId()}`;
    const s = loaded();
    await linkSession(ns, s, user);
    await store.write(s.id, { value: "sealed", ttl: 600, expected: 0, metadata: { lastUsed: T0 + 99_000 } });
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
    expect(Object.keys(await storageOf(userStub(user)))).toEqual([`d:${s.id}`]);
    await advanceObject(sessionStub(s.id), 61);
    await runDurableObjectAlarm(sessionStub(s.id));
    expect(await storageOf(sessionStub(s.id))).toEqual({});
    expect(await storageOf(userStub(user))).toEqual({});
  });

  it("listing prunes entries whose session expired before its alarm ran", async () => {
    const user = `user-${freshId()}`;
    const [gone, live] = [loaded(0, 60), loaded(0, 600)];
    await linkSession(ns, gone, user);
    await linkSession(ns, live, user);
    await advanceObject(sessionStub(gone.id), 61);
    expect((await listSessions(ns, user)).map((s) => s.id)).toEqual([live.id]);
    expect(Object.keys(await storageOf(userStub(user)))).toEqual([`d:${live.id}`]);
  });

  it("checks its input and wraps object failures in SessionStoreError", async () => {
    await expect(listSessions(ns, "")).rejects.toThrow(TypeError);
    await expect(linkSession(ns, loaded(), "u", { device: "x".repeat(257) })).rejects.toThrow(TypeError);
    const broken = { getByName: () => ({ sessionIds: () => Promise.reject(new Error("down")) }) } as never;
    await expect(revokeAllSessions(broken, "u")).rejects.toThrow(SessionStoreError);
  });
});
