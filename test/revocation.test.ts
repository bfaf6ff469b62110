import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { DurableObjectStore } from "../src/do/store.js";
import { linkSession, listSessions, revokeAllSessions, revokeSession } from "../src/do/users.js";
import { SessionConfigError } from "../src/errors.js";
import { session, type SessionOptions, type SessionVariables } from "../src/middleware.js";
import { freshId } from "./do-helpers.js";
import { jar, SECRET, testClock, type Data } from "./helpers.js";

type Namespace = typeof env.SESSION_OBJECTS;

/** A small app with login (linked to a user), logout, "log out my other devices" and a device list. */
function accountApp(options: Partial<SessionOptions>, namespace: Namespace = env.SESSION_OBJECTS) {
  const app = new Hono<{ Variables: SessionVariables<Data> }>();
  app.use(session<Data>({ secret: SECRET, idleTimeout: 600, ...options }));
  app.post("/login/:user", async (c) => {
    const s = await c.var.session.load();
    s.regenerate();
    s.set("user", c.req.param("user"));
    await linkSession(namespace, s, c.req.param("user"), { device: c.req.header("X-Device") ?? "" });
    return c.json({ id: s.id });
  });
  app.get("/me", async (c) => {
    const s = await c.var.session.load();
    const user = await s.get("user");
    return c.json({ user: user ?? null, id: s.id, invalid: s.invalid ?? null }, user ? 200 : 401);
  });
  app.post("/logout", (c) => {
    c.var.session.destroy();
    return c.text("bye");
  });
  app.post("/logout-others", async (c) => {
    const s = await c.var.session.load();
    const ended = await revokeAllSessions(namespace, (await s.get("user"))!, { except: s.id });
    return c.json({ ended });
  });
  return app;
}

async function login(app: Hono<never>, user: string, device = "") {
  const j = jar();
  const res = await app.request(`/login/${user}`, { method: "POST", headers: { "X-Device": device } });
  j.take(res);
  const { id } = (await res.json()) as { id: string };
  return { j, id };
}

const me = async (app: Hono<never>, cookie: Record<string, string>) => {
  const res = await app.request("/me", { headers: cookie });
  return { status: res.status, body: (await res.json()) as { user: string | null; invalid: string | null } };
};

describe.each([
  ["cookie mode with revocation checks", { revocation: { namespace: env.SESSION_OBJECTS } }],
  ["server-side mode (Durable Object store)", { store: new DurableObjectStore(env.SESSION_OBJECTS) }],
] as const)("%s: logout and log out other devices", (_name, mode) => {
  it("a cookie captured before logout is refused afterwards", async () => {
    const app = accountApp(mode) as unknown as Hono<never>;
    const user = `gina-${freshId()}`;
    const { j } = await login(app, user);
    const copied = j.header();
    j.take(await app.request("/logout", { method: "POST", headers: j.header() }));
    expect(await me(app, copied)).toEqual({ status: 401, body: expect.objectContaining({ user: null, invalid: "revoked" }) });
    expect(await listSessions(env.SESSION_OBJECTS, user)).toEqual([]);
  });

  it('"log out my other devices" leaves exactly the current session', async () => {
    const app = accountApp(mode) as unknown as Hono<never>;
    const user = `hank-${freshId()}`;
    const others = [await login(app, user, "Phone"), await login(app, user, "Tablet")];
    const current = await login(app, user, "Laptop");
    expect(await (await app.request("/logout-others", { method: "POST", headers: current.j.header() })).json()).toEqual({ ended: 2 });
    for (const other of others) expect(await me(app, other.j.header())).toMatchObject({ status: 401, body: { invalid: "revoked" } });
    expect((await me(app, current.j.header())).status).toBe(200);
    expect(await listSessions(env.SESSION_OBJECTS, user)).toEqual([expect.objectContaining({ id: current.id, device: "Laptop" })]);
  });
});

describe("cookie mode with revocation checks", () => {
  it("without them, a cookie copied before logout still works afterwards (the problem)", async () => {
    const app = accountApp({}) as unknown as Hono<never>;
    const user = `alice-${freshId()}`;
    const { j } = await login(app, user);
    const copied = j.header();
    j.take(await app.request("/logout", { method: "POST", headers: j.header() }));
    expect(j.value).toBeUndefined();
    expect(await me(app, copied)).toMatchObject({ status: 200, body: { user } });
  });

  it("an admin's revokeSession ends a cookie session at once", async () => {
    const app = accountApp({ revocation: { namespace: env.SESSION_OBJECTS } }) as unknown as Hono<never>;
    const { j, id } = await login(app, `bob-${freshId()}`);
    await revokeSession(env.SESSION_OBJECTS, id);
    expect(await me(app, j.header())).toMatchObject({ status: 401, body: { invalid: "revoked" } });
  });

  it("the device list follows cookie-mode use (one object call per touchAfter)", async () => {
    const clock = testClock();
    const app = accountApp({ revocation: { namespace: env.SESSION_OBJECTS }, now: clock.now, touchAfter: 60 }) as unknown as Hono<never>;
    const user = `dave-${freshId()}`;
    const { j } = await login(app, user);
    clock.advance(120);
    j.take((await app.request("/me", { headers: j.header() })) as Response);
    expect((await listSessions(env.SESSION_OBJECTS, user))[0]?.lastUsed).toBe(clock.now());
  });

  it("cacheFor reuses a 'not revoked' answer in this isolate; a revocation made here applies at once", async () => {
    const calls: string[] = [];
    const counting = {
      getByName: (name: string) => {
        calls.push(name);
        return env.SESSION_OBJECTS.getByName(name);
      },
    } as unknown as Namespace;
    const app = accountApp({ revocation: { namespace: counting, cacheFor: 30 }, touchAfter: 60 }, counting) as unknown as Hono<never>;
    const { j, id } = await login(app, `erin-${freshId()}`);
    calls.length = 0;
    for (let i = 0; i < 3; i++) expect((await me(app, j.header())).status).toBe(200);
    expect(calls).toEqual([`s:${id}`]);
    await revokeSession(counting, id);
    expect((await me(app, j.header())).status).toBe(401);
  });

  it("refuses settings that cannot be honoured", () => {
    const revocation = { namespace: env.SESSION_OBJECTS };
    expect(() => session({ secret: SECRET, revocation })).toThrow(/idleTimeout, absoluteTimeout or lifetime/);
    expect(() => session({ secret: SECRET, idleTimeout: 600, touchAfter: 10, revocation: { ...revocation, cacheFor: 11 } })).toThrow(SessionConfigError);
    expect(() => session({ secret: SECRET, idleTimeout: 600, revocation: { namespace: undefined as never } })).toThrow(SessionConfigError);
  });

  it("fails closed: an unreachable object gives 503, not a session", async () => {
    const down = { getByName: () => ({ check: () => Promise.reject(new Error("down")) }) } as unknown as Namespace;
    const app = accountApp({ revocation: { namespace: env.SESSION_OBJECTS } }) as unknown as Hono<never>;
    const { j } = await login(app, `frank-${freshId()}`);
    const broken = accountApp({ revocation: { namespace: down } }) as unknown as Hono<never>;
    const res = await broken.request("/me", { headers: j.header() });
    expect(res.status).toBe(503);
    expect(await res.text()).toBe("Service Unavailable");
  });
});
