/**
 * regenerate() never revives a session that ended while the request held it (issue 24, item 1), in every
 * mode that writes a new id with what it read: the versioned stores (Durable Object, D1, Redis) and cookie
 * mode with revocation checks (with or without overflow). Also the honest case next to it: a login form
 * posted twice, whose two requests both regenerate the same session.
 */
import { env } from "cloudflare:workers";
import { Hono, type Context } from "hono";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DurableObjectStore } from "../src/durable-object/store.js";
import { linkSession, revokeAllSessions, revokeSession } from "../src/durable-object/users.js";
import { MemoryStore, session, type SessionOptions, type SessionVariables } from "../src/index.js";
import type { SessionObjectNamespace } from "../src/durable-object/protocol.js";
import { D1Store } from "../src/d1/index.js";
import { d1Store } from "./d1-helpers.js";
import { ifRedis, REDIS_RUNS, redisStore } from "./redis-helpers.js";
import { jar, SECRET, type Data } from "./helpers.js";
import { gate } from "./versioned-app.js";

const NAME = "__Host-session";
const USER = "ann";

/**
 * A namespace that forwards every object call, and can run a step of the test right before (or after) the
 * next call of one method: a logout landing exactly there.
 */
function hookedNamespace(inner: SessionObjectNamespace) {
  let hook: { methods: string[]; when: "before" | "after"; run: () => Promise<unknown> } | undefined;
  const namespace = {
    getByName(name: string): unknown {
      const stub = inner.getByName(name) as Record<string, (...args: unknown[]) => Promise<unknown>>;
      return new Proxy(stub, {
        get: (target, method) =>
          typeof method !== "string" || method === "then"
            ? Reflect.get(target, method)
            : async (...args: unknown[]) => {
                const due = hook?.methods.includes(method) ? hook : undefined;
                if (due) hook = undefined; // once: the step's own calls go through untouched
                if (due?.when === "before") await due.run();
                const result = await target[method]!(...args);
                if (due?.when === "after") await due.run();
                return result;
              },
      });
    },
  };
  return {
    namespace,
    /** `run` goes right before (or after) the next call of any of `methods`, once. */
    arm: (methods: string[], when: "before" | "after", run: () => Promise<unknown>) => (hook = { methods, when, run }),
    get armed() {
      return hook !== undefined;
    },
  };
}

/** A mode of the race: its options, how an admin ends a session, and whether sessions link to a user. */
interface Mode {
  name: string;
  options: () => Partial<SessionOptions>;
  /** The objects' namespace when sessions are linked to users (Durable Objects), else undefined. */
  namespace?: SessionObjectNamespace | undefined;
  /** An admin ends the session `id` (revokeSession, or the store's own `end`). */
  end: (id: string) => Promise<unknown>;
  /** The session's data is large enough to spill to the overflow store. */
  pad?: boolean;
}

function modes(): Mode[] {
  const namespace = env.SESSION_OBJECTS;
  const doStore = new DurableObjectStore(namespace);
  const d1 = d1Store();
  const redis = redisStore();
  const revocation = { namespace };
  return [
    {
      name: "Durable Object store",
      options: () => ({ store: doStore }),
      namespace,
      end: (id) => revokeSession(namespace, id),
    },
    { name: "D1 store", options: () => ({ store: d1 }), end: (id) => d1.end(id) },
    ...ifRedis<Mode>({ name: "Redis store", options: () => ({ store: redis }), end: (id) => redis.end(id) }),
    {
      name: "cookie + revocation",
      options: () => ({ revocation }),
      namespace,
      end: (id) => revokeSession(namespace, id),
    },
    {
      name: "overflow + revocation",
      options: () => ({ revocation, overflow: new MemoryStore() }),
      namespace,
      end: (id) => revokeSession(namespace, id),
      pad: true,
    },
  ];
}

/** An app whose requests can be held right after they read the session (`?gate=name`). */
function raceApp(mode: Mode, options: Partial<SessionOptions> = mode.options()) {
  const gates = new Map<string, { reached: ReturnType<typeof gate>; release: ReturnType<typeof gate> }>();
  const gateOf = (name: string) => {
    if (!gates.has(name)) gates.set(name, { reached: gate(), release: gate() });
    return gates.get(name)!;
  };
  const app = new Hono<{ Variables: SessionVariables<Data> }>();
  app.use(session<Data>({ secret: SECRET, idleTimeout: 600, ...options }));
  const loaded = async (c: Context<{ Variables: SessionVariables<Data> }>) => {
    const s = await c.var.session.load();
    const name = c.req.query("gate");
    if (name) {
      gateOf(name).reached.open();
      await gateOf(name).release.opened;
    }
    return s;
  };
  app.post("/init", async (c) => {
    const s = c.var.session;
    s.set("user", USER);
    if (mode.pad) s.set("big", "p".repeat(5000));
    if (mode.namespace) await linkSession(mode.namespace, await s.load(), USER);
    return c.text("ok");
  });
  app.post("/step-up", async (c) => {
    const s = await loaded(c);
    s.regenerate();
    s.set("step", "up");
    return c.text("ok");
  });
  app.post("/login", async (c) => {
    const s = await loaded(c);
    s.regenerate();
    s.set("user", USER);
    if (mode.namespace) await linkSession(mode.namespace, s, USER);
    return c.text("welcome");
  });
  app.post("/regenerate-destroy", async (c) => {
    const s = await loaded(c);
    s.regenerate();
    s.destroy();
    return c.text("bye");
  });
  app.post("/destroy-regenerate", async (c) => {
    const s = await loaded(c);
    s.destroy();
    s.regenerate();
    s.set("user", "bob");
    return c.text("ok");
  });
  app.post("/logout", (c) => (c.var.session.destroy(), c.text("bye")));
  app.get("/all", async (c) => {
    const s = await c.var.session.load();
    return c.json({ id: s.id, isNew: s.isNew, invalid: s.invalid ?? null, data: await s.all() });
  });
  const send = (path: string, cookie: Record<string, string>) =>
    Promise.resolve(app.request(path, { method: path === "/all" ? "GET" : "POST", headers: cookie }));
  return {
    send,
    /** Starts `path` held after its read; `release()` lets it write. */
    async held(path: string, cookie: Record<string, string>, name = "held") {
      const response = send(`${path}?gate=${name}`, cookie);
      await gateOf(name).reached.opened;
      return { response, release: () => (gateOf(name).release.open(), response) };
    },
    async all(cookie: Record<string, string>) {
      return (await (await send("/all", cookie)).json()) as { id: string; isNew: boolean; invalid: string | null; data: Data };
    },
  };
}

type RaceApp = ReturnType<typeof raceApp>;

/** A signed-in session: its jar and id. */
async function signedIn(app: RaceApp) {
  const j = jar(NAME);
  j.take(await app.send("/init", {}));
  const { id, data } = await app.all(j.header());
  expect(data.user).toBe(USER);
  return { j, id };
}

/** The session cookies a response sets (a refused write sets none: the browser's cookie is left alone). */
const sessionCookies = (response: Response) => response.headers.getSetCookie().filter((line) => line.startsWith(NAME));

describe.each(modes())("$name: regenerate() of a session that ended meanwhile", (mode) => {
  /** A request that read the session, regenerates it, and is held until `ending` has run. */
  async function raced(path: string, ending: (id: string, cookie: Record<string, string>, app: RaceApp) => Promise<unknown>) {
    const app = raceApp(mode);
    const { j, id } = await signedIn(app);
    const late = await app.held(path, j.header());
    await ending(id, j.header(), app);
    const response = await late.release();
    return { app, j, id, response };
  }

  const endings: [string, (id: string, cookie: Record<string, string>, app: RaceApp) => Promise<unknown>][] = [
    ["a logout elsewhere", (_, cookie, app) => app.send("/logout", cookie)],
    ["an admin's revocation", (id) => mode.end(id)],
  ];
  if (mode.namespace) endings.push(["log out everywhere (revokeAllSessions)", () => revokeAllSessions(mode.namespace!, USER)]);

  it.each(endings)("after %s: nothing is written under any id, no cookie is issued, the old cookie stays dead", async (_, ending) => {
    const { app, j, response } = await raced("/step-up", ending);
    expect(response.status).toBe(200);
    expect(sessionCookies(response)).toEqual([]);
    expect(await app.all(j.header())).toMatchObject({ isNew: true, data: {} });
  });

  it("regenerate() then destroy() in one request, the session logged out meanwhile: ended, nothing written", async () => {
    const { app, j, response } = await raced("/regenerate-destroy", (_, cookie, a) => a.send("/logout", cookie));
    expect(response.status).toBe(200);
    const cookies = sessionCookies(response);
    expect(cookies.every((line) => /Max-Age=0/.test(line))).toBe(true); // only expired ones
    expect(await app.all(j.header())).toMatchObject({ isNew: true, data: {} });
  });

  it("destroy() then regenerate() with new data, the session logged out meanwhile: refused like any write of it", async () => {
    const { app, j, response } = await raced("/destroy-regenerate", (_, cookie, a) => a.send("/logout", cookie));
    expect(response.status).toBe(200);
    expect(sessionCookies(response)).toEqual([]);
    expect(await app.all(j.header())).toMatchObject({ isNew: true, data: {} });
  });

  it("destroy() then regenerate() with new data, nothing ended meanwhile: a new session with only the new data", async () => {
    const app = raceApp(mode);
    const { j } = await signedIn(app);
    const old = j.header();
    j.take(await app.send("/destroy-regenerate", j.header()));
    expect((await app.all(j.header())).data).toEqual({ user: "bob" });
    expect(await app.all(old)).toMatchObject({ isNew: true, data: {} });
  });

  it("a step-up with nothing ended meanwhile moves the session to a new id and ends the old one", async () => {
    const app = raceApp(mode);
    const { j, id } = await signedIn(app);
    const old = j.header();
    j.take(await app.send("/step-up", j.header()));
    const after = await app.all(j.header());
    expect(after.id).not.toBe(id);
    expect(after.data).toMatchObject({ user: USER, step: "up" });
    expect(await app.all(old)).toMatchObject({ isNew: true, data: {} }); // revoked (overflow: its entry deleted, missing)
  });
});

describe.each(modes())("$name: a login form posted twice", (mode) => {
  it("both requests read the session, then regenerate it one after the other: one session, signed in whatever order the responses arrive", async () => {
    const app = raceApp(mode);
    const { j } = await signedIn(app);
    const old = j.header();
    const first = await app.held("/login", old, "first");
    const second = await app.held("/login", old, "second");
    const a = await first.release();
    const b = await second.release();
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(sessionCookies(a)).toEqual([expect.not.stringContaining("Max-Age=0")]);
    // The second finds the session replaced: it writes nothing and leaves the browser's cookie alone, so
    // the first one's cookie stands even when the second response arrives last.
    expect(sessionCookies(b)).toEqual([]);
    for (const order of [
      [a, b],
      [b, a],
    ]) {
      const browser = jar(NAME);
      browser.value = j.value;
      for (const response of order) browser.take(response);
      expect(await app.all(browser.header())).toMatchObject({ isNew: false, data: { user: USER } });
    }
    expect(await app.all(old)).toMatchObject({ isNew: true, data: {} });
  });
});

describe("the check and the write are one step: a logout landing right before the write is seen", () => {
  afterEach(() => vi.restoreAllMocks());

  /** A signed-in session, a step-up held after its read, and `land` run at the store's next write. */
  async function landed(mode: Mode, arm: (id: string) => void) {
    const app = raceApp(mode);
    const { j, id } = await signedIn(app);
    const late = await app.held("/step-up", j.header());
    arm(id);
    const response = await late.release();
    return { app, j, response };
  }

  it("D1: an end() landing just before the write's batch refuses the write", async () => {
    const store = d1Store();
    let land: (() => Promise<unknown>) | undefined;
    const db = new Proxy(env.SESSIONS_DB, {
      get: (target, key) =>
        key === "batch"
          ? async (statements: D1PreparedStatement[]) => {
              const run = land;
              land = undefined;
              await run?.();
              return target.batch(statements);
            }
          : (Reflect.get(target, key) as (...a: unknown[]) => unknown).bind(target),
    });
    const wrapped = new D1Store(db, { prefix: store.prefix });
    const mode: Mode = { name: "D1", options: () => ({ store: wrapped }), end: (id) => store.end(id) };
    const { app, j, response } = await landed(mode, (id) => (land = () => store.end(id)));
    expect(land).toBeUndefined(); // it landed
    expect(sessionCookies(response)).toEqual([]);
    expect(await app.all(j.header())).toMatchObject({ isNew: true, data: {} });
  });

  it.skipIf(!REDIS_RUNS)("Redis: an end() landing just before the write's script refuses the write", async () => {
    const store = redisStore();
    let land: (() => Promise<unknown>) | undefined;
    const original = globalThis.fetch;
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const run = typeof init?.body === "string" && init.body.includes("'v', ARGV[2]") ? land : undefined;
      if (run) land = undefined;
      await run?.();
      return original(input, init);
    });
    const mode: Mode = { name: "Redis", options: () => ({ store }), end: (id) => store.end(id) };
    const { app, j, response } = await landed(mode, (id) => (land = () => store.end(id)));
    expect(land).toBeUndefined();
    expect(sessionCookies(response)).toEqual([]);
    expect(await app.all(j.header())).toMatchObject({ isNew: true, data: {} });
  });

  it("Durable Object store: a revocation landing right before the store's first object call that writes refuses the write", async () => {
    const objects = hookedNamespace(env.SESSION_OBJECTS);
    const store = new DurableObjectStore(objects.namespace);
    const end = (id: string) => revokeSession(objects.namespace, id);
    const mode: Mode = { name: "DO", options: () => ({ store }), end };
    const { app, j, response } = await landed(mode, (id) => objects.arm(["handOver", "write"], "before", () => end(id)));
    expect(objects.armed).toBe(false);
    expect(sessionCookies(response)).toEqual([]);
    expect(await app.all(j.header())).toMatchObject({ isNew: true, data: {} });
  });

  it("Durable Object store, exclusive: an admin's revocation while the request holds the lock refuses the write", async () => {
    const store = new DurableObjectStore(env.SESSION_OBJECTS, { exclusive: true });
    const app = raceApp({ name: "DO exclusive", options: () => ({ store }), end: async () => {} });
    const { j, id } = await signedIn(app);
    const late = await app.held("/step-up", j.header());
    await revokeSession(env.SESSION_OBJECTS, id);
    const response = await late.release();
    expect(response.status).toBe(200);
    expect(sessionCookies(response)).toEqual([]);
    expect(await app.all(j.header())).toMatchObject({ isNew: true, invalid: "revoked", data: {} });
  });

  describe.each([
    ["cookie + revocation", false],
    ["overflow + revocation", true],
  ])("%s", (_, pad) => {
    function revocable() {
      const objects = hookedNamespace(env.SESSION_OBJECTS);
      const mode: Mode = {
        name: "revocation",
        options: () => ({ revocation: { namespace: objects.namespace }, ...(pad ? { overflow: new MemoryStore() } : {}) }),
        namespace: objects.namespace,
        end: (id) => revokeSession(objects.namespace, id),
        pad,
      };
      return { objects, mode };
    }

    it("a revocation landing right before the old id is ended: refused", async () => {
      const { objects, mode } = revocable();
      const { app, j, response } = await landed(mode, (id) => objects.arm(["revoke"], "before", () => mode.end(id)));
      expect(objects.armed).toBe(false);
      expect(sessionCookies(response)).toEqual([]);
      expect(await app.all(j.header())).toMatchObject({ isNew: true, data: {} });
    });

    it("log out everywhere landing between ending the old id and the user's check: refused", async () => {
      const { objects, mode } = revocable();
      const { app, j, response } = await landed(mode, () =>
        objects.arm(["revoke"], "after", () => revokeAllSessions(objects.namespace, USER)),
      );
      expect(objects.armed).toBe(false);
      expect(sessionCookies(response)).toEqual([]);
      expect(await app.all(j.header())).toMatchObject({ isNew: true, data: {} });
    });
  });
});
