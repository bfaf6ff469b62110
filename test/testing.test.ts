/// <reference types="vite/client" />
import { Hono, type Context } from "hono";
import { describe, expect, it } from "vitest";
import pkg from "../package.json";
import { MemoryStore, session, SessionConfigError, type SessionOptions, type SessionVariables } from "../src/index.js";
import {
  describeSessionStore,
  openSetCookie,
  sessionCookie,
  testClock as kitClock,
  type SessionStoreSuiteOptions,
} from "../src/testing/index.js";
import type { SessionStore, StoreListOptions } from "../src/index.js";
import { d1Store, rowOf } from "./d1-helpers.js";
import { OLD_SECRET, SECRET, testClock } from "./helpers.js";

type Data = { user?: string; count?: number };
type Env = { SECRET: string };

/** The app under test: its session options, as a test passes them to the kit too. */
function app(options: SessionOptions) {
  const hono = new Hono<{ Bindings: Env; Variables: SessionVariables<Data> }>();
  hono.use(session<Data>(options));
  hono.get("/me", async (c) => {
    const s = await c.var.session.load();
    return c.json({
      id: s.id,
      isNew: s.isNew,
      invalid: s.invalid ?? null,
      expired: s.expired ?? null,
      data: await s.all(),
      notice: (await s.takeFlash("notice")) ?? null,
    });
  });
  hono.post("/login/:user", (c) => (c.var.session.set("user", c.req.param("user")), c.text("hi")));
  hono.post("/logout", (c) => (c.var.session.destroy(), c.text("bye")));
  hono.get("/static", (c) => c.text("no session"));
  return hono;
}

type Me = { id: string; isNew: boolean; invalid: string | null; expired: string | null; data: Data; notice: string | null };
const me = async (hono: ReturnType<typeof app>, cookie: string, bindings?: Env) =>
  (await (await hono.request("/me", { headers: { Cookie: cookie } }, bindings)).json()) as Me;

describe("sessionCookie", () => {
  it("makes a cookie the app opens: its name, a session id of the library's format, the data", async () => {
    const options = { secret: SECRET, idleTimeout: 600 };
    const cookie = await sessionCookie({ ...options, data: { user: "alice" } });
    expect(cookie).toMatch(/^__Host-session=[\w-]+\.\.[\w-]+\.[\w-]+\.[\w-]+$/);
    const read = await me(app(options), cookie);
    expect(read).toMatchObject({ isNew: false, invalid: null, data: { user: "alice" } });
    expect(read.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it("the purpose defaults to the cookie name: a cookie made for another name does not open, even renamed", async () => {
    const sid = { secret: SECRET, cookie: { name: "sid", secure: false } };
    const made = await sessionCookie({ ...sid, data: { user: "alice" } });
    expect(made.startsWith("sid=")).toBe(true);
    expect((await me(app(sid), made)).data).toEqual({ user: "alice" });
    const forOtherName = await sessionCookie({ secret: SECRET, data: { user: "mallory" } });
    const renamed = `sid=${forOtherName.slice(forOtherName.indexOf("=") + 1)}`;
    expect(await me(app(sid), renamed)).toMatchObject({ isNew: true, data: {} });
  });

  it("an explicit purpose is the app's: the cookie opens only where the purpose matches", async () => {
    const cookie = await sessionCookie({ secret: SECRET, purpose: "shop/v2", data: { user: "alice" } });
    expect((await me(app({ secret: SECRET, purpose: "shop/v2" }), cookie)).data).toEqual({ user: "alice" });
    expect(await me(app({ secret: SECRET }), cookie)).toMatchObject({ isNew: true, data: {} });
  });

  it("a per-request secret reads the context given (for Hono, { env })", async () => {
    const options = { secret: (c: Context<{ Bindings: Env }>) => c.env.SECRET };
    const cookie = await sessionCookie({ ...options, data: { user: "alice" }, context: { env: { SECRET } } as Context<{ Bindings: Env }> });
    expect((await me(app(options), cookie, { SECRET })).data).toEqual({ user: "alice" });
    expect((await me(app(options), cookie, { SECRET: OLD_SECRET })).isNew).toBe(true);
    // With Data named, the context type is not inferred: the Hono-typed options must still be accepted.
    const res = await app(options).request("/login/bob", { method: "POST" }, { SECRET });
    const set = await openSetCookie<Data>(res, { ...options, context: { env: { SECRET } } as Context<{ Bindings: Env }> });
    expect(set.state === "set" && set.data).toEqual({ user: "bob" });
  });

  it("with store:, writes the session to the store and makes the cookie that points to it", async () => {
    const store = d1Store();
    const options = { secret: SECRET, idleTimeout: 600, store };
    const cookie = await sessionCookie({ ...options, data: { user: "alice" } });
    const read = await me(app(options), cookie);
    expect(read.data).toEqual({ user: "alice" });
    expect((await rowOf(store, read.id))!.version).toBe(1);
    expect(cookie.length).toBeLessThan(300); // a sealed id, not the session
  });

  it("now: backdates the session, so expiry can be tested", async () => {
    const clock = testClock(Date.now() - 120_000);
    const cookie = await sessionCookie({ secret: SECRET, idleTimeout: 60, now: clock.now, data: { user: "alice" } });
    expect(await me(app({ secret: SECRET, idleTimeout: 60 }), cookie)).toMatchObject({ isNew: true, expired: "idle", data: {} });
  });

  it("flash values reach the first request", async () => {
    const cookie = await sessionCookie({ secret: SECRET, data: { user: "alice" }, flash: { notice: "welcome" } });
    expect((await me(app({ secret: SECRET }), cookie)).notice).toBe("welcome");
  });

  it("refuses empty data, data that is not an object, and the app's own bad options (SessionConfigError)", async () => {
    await expect(sessionCookie({ secret: SECRET, data: {} })).rejects.toThrow(/at least one key/);
    await expect(sessionCookie({ secret: SECRET, data: null as never })).rejects.toBeInstanceOf(SessionConfigError);
    await expect(sessionCookie({ secret: SECRET, data: { a: 1 }, flash: [] as never })).rejects.toBeInstanceOf(SessionConfigError);
    await expect(sessionCookie({ secret: "short", data: { a: 1 } })).rejects.toBeInstanceOf(SessionConfigError);
    await expect(sessionCookie(undefined as never)).rejects.toBeInstanceOf(SessionConfigError);
  });
});

describe("openSetCookie", () => {
  const options = { secret: SECRET, idleTimeout: 600 };

  it("opens the session a response set, and hands the cookie for the next request", async () => {
    const res = await app(options).request("/login/alice", { method: "POST" });
    const set = await openSetCookie<Data>(res, options);
    expect(set.state).toBe("set");
    if (set.state !== "set") return;
    expect(set.data).toEqual({ user: "alice" });
    expect(set.session.isNew).toBe(false);
    expect(set.setCookie).toMatch(/; HttpOnly; Secure; SameSite=Lax$/);
    expect((await me(app(options), set.cookie)).data).toEqual({ user: "alice" });
  });

  it('tells "none" when the response leaves the cookie alone, and "cleared" when it deletes it', async () => {
    expect(await openSetCookie(await app(options).request("/static"), options)).toEqual({ state: "none" });
    const cookie = await sessionCookie({ ...options, data: { user: "alice" } });
    const res = await app(options).request("/logout", { method: "POST", headers: { Cookie: cookie } });
    expect(await openSetCookie(res, options)).toMatchObject({ state: "cleared" });
  });

  it("reads a server-side session through the app's store, and writes nothing back", async () => {
    const store = d1Store();
    const withStore = { ...options, store };
    const res = await app(withStore).request("/login/alice", { method: "POST" });
    const set = await openSetCookie<Data>(res, withStore);
    expect(set.state === "set" && set.data).toEqual({ user: "alice" });
    const id = set.state === "set" ? set.session.id : "";
    expect((await rowOf(store, id))!.version).toBe(1);
  });

  it("with other options than the app's, the cookie does not open: data is empty and session.invalid says why", async () => {
    const res = await app(options).request("/login/alice", { method: "POST" });
    const set = await openSetCookie(res, { secret: OLD_SECRET });
    expect(set.state === "set" && set.data).toEqual({});
    expect(set.state === "set" && set.session.invalid).toBe("unknown-key");
  });

  it("the last Set-Cookie of the name counts, as in a browser; other cookies are ignored", async () => {
    const first = await sessionCookie({ ...options, data: { user: "first" } });
    const last = await sessionCookie({ ...options, data: { user: "last" } });
    const headers = new Headers();
    headers.append("Set-Cookie", `${first}; Path=/`);
    headers.append("Set-Cookie", "other=1; Path=/");
    headers.append("Set-Cookie", `${last}; Path=/`);
    const set = await openSetCookie(new Response("ok", { headers }), options);
    expect(set.state === "set" && set.data).toEqual({ user: "last" });
  });

  it("refuses what is not a Response", async () => {
    await expect(openSetCookie({} as Response, options)).rejects.toBeInstanceOf(SessionConfigError);
  });
});

/** The cases describeSessionStore registers, by full name, run by hand (not by vitest): what a runner would see. */
function registered(makeStore: () => SessionStore, options: Omit<SessionStoreSuiteOptions, "describe" | "it">) {
  const cases: { name: string; run: (() => Promise<void>) | undefined }[] = [];
  const path: string[] = [];
  const suite = (name: string, body: () => void) => {
    path.push(name);
    body();
    path.pop();
  };
  const test = Object.assign((name: string, run: () => Promise<void>) => cases.push({ name: [...path, name].join(" > "), run }), {
    skip: (name: string) => cases.push({ name: [...path, name].join(" > "), run: undefined }),
  });
  describeSessionStore("S", makeStore, { describe: suite, it: test, ...options });
  return cases;
}

/** The names of the registered cases that fail, with the error each threw. */
async function failures(cases: ReturnType<typeof registered>) {
  const failed: { name: string; error: Error }[] = [];
  for (const { name, run } of cases) await run?.().catch((error: Error) => failed.push({ name, error }));
  return failed;
}

/** A store whose listing cursor is an offset: deleting keys while listing skips some (what the contract forbids). */
class OffsetStore extends MemoryStore {
  override async list({ prefix, cursor, limit = 1000 }: StoreListOptions = {}) {
    const all = (await super.list({ prefix, limit: 1000 })).keys;
    const from = Number(cursor ?? 0);
    return { keys: all.slice(from, from + limit), cursor: from + limit < all.length ? String(from + limit) : undefined };
  }
}

describe("describeSessionStore", () => {
  it("registers every case group the store declares, and the clock cases as skipped without a clock", () => {
    const names = (options: Omit<SessionStoreSuiteOptions, "describe" | "it">) => registered(() => new MemoryStore(), options);
    const versionedOnly = names({ list: false, versioned: true });
    expect(versionedOnly.filter((c) => c.name.includes("> versioned capability >") && c.run)).toHaveLength(6);
    expect(versionedOnly.filter((c) => c.name.includes("> list >"))).toEqual([]);
    expect(versionedOnly.filter((c) => !c.run).map((c) => c.name)).toHaveLength(5);
    expect(versionedOnly.filter((c) => !c.run).every((c) => c.name.endsWith("(needs a clock)"))).toBe(true);
    const plain = names({ clock: kitClock() });
    expect(plain.filter((c) => c.name.includes("> list >") && c.run)).toHaveLength(8);
    expect(plain.filter((c) => c.name.includes("versioned"))).toHaveLength(1); // the declaration check only
    expect(plain.every((c) => c.run)).toBe(true);
  });

  it("passes on a store that keeps the contract", async () => {
    const clock = kitClock();
    expect(await failures(registered(() => new MemoryStore({ now: clock.now }), { clock }))).toEqual([]);
  });

  it("fails, naming what was expected, on a store whose cursor is an offset or that declares what it lacks", async () => {
    const offset = await failures(registered(() => new OffsetStore(), {}));
    expect(offset.map((f) => f.name)).toEqual([
      "S: the SessionStore contract > list > a cursor is a key, not an offset: deleting listed keys while listing skips nothing",
    ]);
    expect(offset[0]!.error.name).toBe("SessionStoreContractError");
    expect(offset[0]!.error.message).toMatch(/^every key listed once, in order, while deleting: expected \["s0",.*got/);
    const undeclared = await failures(registered(() => new MemoryStore(), { versioned: true }));
    expect(undeclared.map((f) => f.name)).toContain(
      "S: the SessionStore contract > offers list (yes) and versioned (yes) as declared to the suite",
    );
  });
});

describe("package", () => {
  // Vite resolves these files inside workerd.
  const sources = import.meta.glob("../src/**/*.ts", { query: "?raw", import: "default", eager: true }) as Record<string, string>;

  it("edge-session/d1 and edge-session/testing are subpath exports, and jose stays the only dependency", () => {
    expect(pkg.exports).toMatchObject({
      "./d1": { types: "./dist/d1/index.d.ts", import: "./dist/d1/index.js" },
      "./testing": { types: "./dist/testing/index.d.ts", import: "./dist/testing/index.js" },
    });
    expect(Object.keys(pkg.dependencies)).toEqual(["jose"]);
    expect(pkg.files).toContain("migrations");
  });

  it("no source file imports a test framework: the testing kit takes the runner's describe/it", () => {
    const importers = Object.entries(sources)
      .filter(([, text]) => /^\s*(import|export)\b[^;]*["'](vitest|@cloudflare\/vitest-plugin|cloudflare:test|jest|mocha)["']/m.test(text)) // code, not JSDoc examples
      .map(([file]) => file);
    expect(importers).toEqual([]);
    expect(Object.keys(sources)).toContain("../src/testing/index.ts");
  });
});
