import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  createKeyring,
  DurableObjectStore,
  KVStore,
  listActiveSessions,
  MemoryStore,
  purgeExpired,
  sealedStore,
  sealSession,
  sessionEngine,
  unsealSession,
  newSessionId,
  linkSession,
  listSessions,
  revokeAllSessions,
  revokeSession,
  type SessionEngineOptions,
} from "../src/index.js";
import { SECRET, testClock } from "./helpers.js";

// Under `exactOptionalPropertyTypes` an optional property typed `T` refuses an explicit undefined: these
// objects only type-check (npm test runs tsc with the flag) because every option says `T | undefined`.
// At run time, undefined must mean exactly what leaving the option out means.

describe("options passed as undefined mean their default", () => {
  it("sessionEngine: every option undefined behaves as none given", async () => {
    const options: SessionEngineOptions = {
      secret: SECRET,
      purpose: undefined,
      encryption: undefined,
      cookie: undefined,
      lifetime: undefined,
      idleTimeout: undefined,
      absoluteTimeout: undefined,
      touchAfter: undefined,
      shouldRoll: undefined,
      now: undefined,
      overflow: undefined,
      store: undefined,
      storeTimeout: undefined,
      revocation: undefined,
    };
    const request = sessionEngine(options).start(new Headers(), undefined);
    request.session.set("user", "ada");
    const [setCookie] = await request.commit();
    expect(setCookie).toMatch(/^__Host-session=[^;]+; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    // Same purpose (the cookie name) as an engine built without options: the cookie opens there.
    const plain = sessionEngine({ secret: SECRET }).start(new Headers({ Cookie: setCookie!.slice(0, setCookie!.indexOf(";")) }), undefined);
    expect(await plain.session.get("user")).toBe("ada");
  });

  it("createKeyring, sealSession and unsealSession", async () => {
    const keys = await createKeyring(SECRET, { purpose: undefined, encryption: undefined });
    expect(keys.toJSON()).toEqual((await createKeyring(SECRET)).toJSON());
    const now = Date.now();
    const token = await sealSession({ data: { a: 1 }, meta: { id: newSessionId(), created: now, lastUsed: now, lifetime: 0 } }, keys);
    const opened = await unsealSession(token, keys, {
      now: undefined,
      maxLength: undefined,
      idleTimeout: undefined,
      absoluteTimeout: undefined,
    });
    expect(opened).toMatchObject({ ok: true, data: { a: 1 } });
  });

  it("stores: MemoryStore, sealedStore, KVStore and DurableObjectStore", async () => {
    const clock = testClock();
    const memory = new MemoryStore({ now: undefined });
    await memory.set("k", "v", { ttl: 60 });
    expect(await memory.get("k")).toBe("v");

    const keys = await createKeyring(SECRET, { purpose: "options-undefined" });
    const sealed = sealedStore(new MemoryStore({ now: clock.now }), keys, { maxLength: undefined, name: undefined });
    await sealed.set("k", "secret value", { ttl: 60 });
    expect(await sealed.get("k")).toBe("secret value");

    expect(new KVStore(env.SESSIONS, { prefix: undefined }).prefix).toBe("");

    const objects = new DurableObjectStore(env.SESSION_OBJECTS, { exclusive: undefined, onConflict: undefined });
    expect([objects.exclusive, objects.onConflict]).toEqual([undefined, "merge"]);
    const locking = new DurableObjectStore(env.SESSION_OBJECTS, { exclusive: { leaseMs: undefined, waitMs: undefined } });
    expect(locking.exclusive).toEqual({ leaseMs: 10_000, waitMs: 5_000 });
  });

  it("admin helpers: listActiveSessions and purgeExpired", async () => {
    const clock = testClock(Date.now() - 3_600_000); // written an hour ago, for a minute: due by now
    const store = new MemoryStore({ now: clock.now });
    const expires = Math.floor(clock.now() / 1000) + 60;
    await store.set("s1", "x", { ttl: 60, metadata: { created: expires - 60, lastUsed: expires - 60, expires } });
    const page = await listActiveSessions(store, { since: undefined, now: clock.now(), cursor: undefined, limit: undefined });
    expect(page).toEqual({ sessions: [expect.objectContaining({ key: "s1" })], cursor: undefined, skipped: 0 });
    expect(await purgeExpired(store, { now: undefined, limit: undefined })).toEqual({ scanned: 1, purged: 1 });
  });

  it("Durable Object helpers and revocation checks", async () => {
    const namespace = env.SESSION_OBJECTS;
    const engine = sessionEngine({ secret: SECRET, idleTimeout: 300, revocation: { namespace, cacheFor: undefined } });
    const request = engine.start(new Headers(), undefined);
    const session = await request.session.load();
    session.set("user", "ada");
    const user = `options-undefined-${session.id}`;
    expect(await linkSession(namespace, session, user, { device: undefined, ttl: undefined })).toBe(true);
    expect(await listSessions(namespace, user)).toEqual([expect.objectContaining({ id: session.id, device: "" })]);
    expect(await revokeAllSessions(namespace, `nobody-${session.id}`, { except: undefined })).toBe(0);
    await revokeSession(namespace, session.id, { ttl: undefined });
    expect(await new DurableObjectStore(namespace).check(session.id)).toEqual({ revoked: true, linked: false });
  });
});
