import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  createKeyring,
  DurableObjectStore,
  KVStore,
  linkSession,
  listActiveSessions,
  MemoryStore,
  purgeExpired,
  revokeAllSessions,
  revokeSession,
  sealedStore,
  sealSession,
  session,
  SessionConfigError,
  sessionEngine,
  sessionStatus,
  staySignedIn,
  requireCsrfToken,
  csrfChecker,
  requireSession,
  unsealSession,
  newSessionId,
} from "../src/index.js";
import { sessionEngine as cookieEngine } from "../src/cookie/index.js";
import { D1Store } from "../src/d1/index.js";
import { RedisStore } from "../src/redis/index.js";
import { idleWarningScript } from "../src/idle-warning/index.js";
import { describeSessionStore, openSetCookie, sessionCookie } from "../src/testing/index.js";
import { SECRET } from "./helpers.js";

/** What a JavaScript caller (or a cast) can pass: no type stops the typo. */
const untyped = (options: object): never => options as never;

function refusal(build: () => unknown): string {
  try {
    build();
  } catch (error) {
    expect(error).toBeInstanceOf(SessionConfigError);
    return (error as SessionConfigError).message;
  }
  throw new Error("expected a SessionConfigError");
}

async function asyncRefusal(build: () => Promise<unknown>): Promise<string> {
  const error = await build().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SessionConfigError);
  return (error as SessionConfigError).message;
}

describe("a misspelt option is a SessionConfigError at build time, naming the key and the option meant", () => {
  it("session() and sessionEngine(): idleTimout must not run without an idle timeout", () => {
    for (const build of [
      () => sessionEngine(untyped({ secret: SECRET, idleTimout: 300 })),
      () => cookieEngine(untyped({ secret: SECRET, idleTimout: 300 })),
      () => session(untyped({ secret: SECRET, idleTimout: 300 })),
    ]) {
      expect(refusal(build)).toBe('session options: unknown option "idleTimout" (did you mean idleTimeout?)');
    }
  });

  it("suggests across case and transpositions, lists the known keys when nothing is close, never prints a value", () => {
    expect(refusal(() => sessionEngine(untyped({ secret: SECRET, absolutetimeout: 60 })))).toContain("did you mean absoluteTimeout?");
    expect(refusal(() => sessionEngine(untyped({ secret: SECRET, lifeitme: 60 })))).toContain("did you mean lifetime?");
    const far = refusal(() => sessionEngine(untyped({ secret: SECRET, banana: "value-never-printed" })));
    expect(far).toMatch(/^session options: unknown option "banana" \(known: secret, purpose, .*idleTimeout.*\)$/);
    expect(far).not.toContain("value-never-printed");
    expect(refusal(() => sessionEngine(untyped({ secret: SECRET, secrets: SECRET })))).not.toContain(SECRET);
  });

  it("symbol keys and known keys set to undefined are accepted", () => {
    expect(() => sessionEngine(untyped({ secret: SECRET, idleTimeout: undefined, [Symbol("tag")]: 1 }))).not.toThrow();
  });

  it("cookie and revocation options", () => {
    expect(refusal(() => sessionEngine(untyped({ secret: SECRET, cookie: { samesite: "Strict" } })))).toBe(
      'cookie: unknown option "samesite" (did you mean sameSite?)',
    );
    const revocation = { namespace: env.SESSION_OBJECTS, cachefor: 5 };
    expect(refusal(() => sessionEngine(untyped({ secret: SECRET, idleTimeout: 300, revocation })))).toBe(
      'revocation: unknown option "cachefor" (did you mean cacheFor?)',
    );
  });

  it("store constructors: KVStore, D1Store (and its admin methods), RedisStore, DurableObjectStore (and its exclusive), MemoryStore, sealedStore", async () => {
    expect(refusal(() => new KVStore(env.SESSIONS, untyped({ prefx: "a:" })))).toBe(
      'KVStore options: unknown option "prefx" (did you mean prefix?)',
    );
    expect(refusal(() => new D1Store(env.SESSIONS_DB, untyped({ onconflict: "error" })))).toContain("did you mean onConflict?");
    expect(refusal(() => new RedisStore(untyped({ url: "https://redis.example", token: "t", prefex: "s:" })))).toContain(
      'RedisStore options: unknown option "prefex" (did you mean prefix?)',
    );
    expect(refusal(() => new DurableObjectStore(env.SESSION_OBJECTS, untyped({ timeout: 100 })))).toContain(
      'DurableObjectStore options: unknown option "timeout"',
    );
    expect(refusal(() => new DurableObjectStore(env.SESSION_OBJECTS, untyped({ exclusive: { waitms: 100 } })))).toBe(
      'DurableObjectStore exclusive: unknown option "waitms" (did you mean waitMs?)',
    );
    const d1 = new D1Store(env.SESSIONS_DB);
    expect(await asyncRefusal(() => d1.purge(untyped({ maxx: 10 })))).toBe(
      'D1Store.purge options: unknown option "maxx" (did you mean max?)',
    );
    expect(await asyncRefusal(() => d1.activeSince(0, untyped({ limt: 10 })))).toContain("did you mean limit?");
    expect(refusal(() => new MemoryStore(untyped({ clock: Date.now })))).toBe('MemoryStore options: unknown option "clock" (known: now)');
    const keys = await createKeyring(SECRET);
    expect(refusal(() => sealedStore(new MemoryStore(), keys, untyped({ maxlength: 10 })))).toContain("did you mean maxLength?");
  });

  it("route helpers, regenerate() and the idle-warning script", () => {
    expect(refusal(() => sessionStatus(untyped({ signedin: () => true })))).toBe(
      'sessionStatus() options: unknown option "signedin" (did you mean signedIn?)',
    );
    expect(refusal(() => staySignedIn(untyped({ signedln: () => true })))).toContain("did you mean signedIn?");
    expect(refusal(() => idleWarningScript(untyped({ maxage: 60 })))).toContain('unknown option "maxage" (did you mean maxAge?)');
    expect(refusal(() => requireCsrfToken(untyped({ heder: "X-Token" })))).toBe(
      'requireCsrfToken() options: unknown option "heder" (did you mean header?)',
    );
    expect(refusal(() => csrfChecker(untyped({ feild: "_token" })))).toContain("did you mean field?");
    expect(refusal(() => requireSession(untyped({ key: "user", onrefused: "json" })))).toContain("did you mean onRefused?");
    const request = sessionEngine({ secret: SECRET }).start(new Headers(), undefined);
    expect(refusal(() => request.session.regenerate(untyped({ keepAuthenticaton: false })))).toContain("did you mean keepAuthentication?");
  });

  it("keyring, token, admin and device-list helpers", async () => {
    expect(await asyncRefusal(() => createKeyring(SECRET, untyped({ purpse: "x" })))).toContain("did you mean purpose?");
    const keys = await createKeyring(SECRET);
    const now = Date.now();
    const token = await sealSession({ data: { a: 1 }, meta: { id: newSessionId(), created: now, lastUsed: now, lifetime: 0 } }, keys);
    expect(await asyncRefusal(() => unsealSession(token, keys, untyped({ idleTimout: 60 })))).toContain("did you mean idleTimeout?");
    const store = new MemoryStore();
    expect(await asyncRefusal(() => listActiveSessions(store, untyped({ sinse: 0 })))).toContain("did you mean since?");
    expect(await asyncRefusal(() => purgeExpired(store, untyped({ limt: 10 })))).toContain("did you mean limit?");
    const ns = env.SESSION_OBJECTS;
    const loaded = { id: newSessionId(), meta: { created: now, lastUsed: now }, secondsLeft: () => 60 };
    expect(await asyncRefusal(() => linkSession(ns, loaded as never, "u1", untyped({ maxSession: 2 })))).toContain(
      "did you mean maxSessions?",
    );
    expect(await asyncRefusal(() => revokeSession(ns, newSessionId(), untyped({ tll: 60 })))).toContain("did you mean ttl?");
    expect(await asyncRefusal(() => revokeAllSessions(ns, "u1", untyped({ expect: "id" })))).toContain("did you mean except?");
  });

  it("the testing kit: the app's options plus data, flash and context pass; a typo among them does not", async () => {
    const options = { secret: SECRET, idleTimeout: 300 };
    const cookie = await sessionCookie({ ...options, data: { user: "ada" }, flash: { note: "hi" }, context: undefined });
    expect(cookie).toMatch(/^__Host-session=/);
    const response = new Response(null, { headers: { "Set-Cookie": `${cookie}; Path=/; Secure; HttpOnly` } });
    const set = await openSetCookie(response, { ...options, context: undefined });
    expect(set.state === "set" && set.data).toEqual({ user: "ada" });
    expect(await asyncRefusal(() => sessionCookie(untyped({ secret: SECRET, idleTimout: 300, data: { user: "ada" } })))).toContain(
      "did you mean idleTimeout?",
    );
    const suite = { describe: () => {}, it: () => {} };
    expect(refusal(() => describeSessionStore("store", () => new MemoryStore(), untyped({ ...suite, versionned: true })))).toContain(
      "did you mean versioned?",
    );
  });
});
