/**
 * The reason a session ended reaches the page after whichever request met it first (an idle-warning poll,
 * an asset, a page), in every mode: that request replaces the cookie with a sealed ended-session marker,
 * which later requests read without any store, until a login replaces it or it gets old.
 */
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { DurableObjectStore } from "../src/durable-object/store.js";
import {
  createKeyring,
  session,
  sessionStatus,
  unsealSession,
  type SessionEvent,
  type SessionOptions,
  type SessionVariables,
} from "../src/index.js";
import { sealEnded } from "../src/core/ended.js";
import { cookieJar, OLD_SECRET, SECRET, testClock, type Data } from "./helpers.js";
import { kvStore } from "./stores.js";
import { MODES, type Mode } from "./modes.js";

const NAME = "__Host-session";
type Jar = ReturnType<typeof cookieJar>;

/** A bank-like app: login, logout, the idle warning's poll, an asset that reads the session, the login page. */
function endedApp(options: Partial<SessionOptions>) {
  const app = new Hono<{ Variables: SessionVariables<Data> }>();
  app.use(session<Data>({ secret: SECRET, ...options }));
  app.post("/login", (c) => {
    const s = c.var.session;
    s.regenerate();
    s.set("user", "ada");
    // A session too large for one cookie: chunks, or a KV entry behind a pointer (overflow).
    if (c.req.query("big")) s.set("big", "x".repeat(6000));
    return c.text("in");
  });
  app.post("/logout", (c) => {
    c.var.session.destroy();
    return c.text("bye");
  });
  app.get("/session/status", sessionStatus());
  app.get("/avatar.svg", async (c) => {
    await c.var.session.get("user");
    return c.body("<svg/>", 200, { "Content-Type": "image/svg+xml" });
  });
  app.get("/login", async (c) => {
    const s = await c.var.session.load();
    return c.json({ isNew: s.isNew, user: (await s.get("user")) ?? null, expired: s.expired ?? null, invalid: s.invalid ?? null });
  });
  return app;
}

type App = ReturnType<typeof endedApp>;

async function send(app: App, path: string, j: Jar, method = "GET") {
  const res = await app.request(path, { method, headers: j.header() });
  j.take(res);
  return res;
}

async function loginPage(app: App, j: Jar) {
  return (await send(app, "/login", j)).json();
}

/** Every mode, and overflow with revocation checks too. */
const ALL_MODES: Mode[] = [
  ...MODES,
  { mode: "overflow + revocation", options: () => ({ overflow: kvStore(), revocation: { namespace: env.SESSION_OBJECTS } }), big: true },
];

describe.each(ALL_MODES)("the reason a session ended reaches the next page: $mode", ({ options, big }) => {
  it("a status poll meets the idle-expired session first; the login page after it still reads why, until the next login", async () => {
    const clock = testClock();
    const app = endedApp({ idleTimeout: 60, now: clock.now, ...options(clock) });
    const j = cookieJar();
    await send(app, big ? "/login?big=1" : "/login", j, "POST");
    expect(await loginPage(app, j)).toMatchObject({ isNew: false, user: "ada" });
    clock.advance(61);

    const poll = await send(app, "/session/status", j);
    expect(await poll.json()).toEqual({ active: false, idleSecondsLeft: null, secondsLeft: null });
    expect(j.names()).toEqual([NAME]); // the marker alone: every chunk name is expired
    const marker = j.cookies.get(NAME)!;
    expect(marker.length).toBeLessThan(200); // no data, no id

    expect(await loginPage(app, j)).toEqual({ isNew: true, user: null, expired: "idle", invalid: null });
    // Neither a page nor another poll consumes it (a reload, or a poll racing the navigation, must not eat it).
    const again = await send(app, "/session/status", j);
    expect(again.headers.getSetCookie()).toEqual([]);
    expect(await again.json()).toMatchObject({ active: false });
    expect(await loginPage(app, j)).toMatchObject({ expired: "idle" });
    expect(j.cookies.get(NAME)).toBe(marker);

    await send(app, "/login", j, "POST"); // a real session replaces the marker
    expect(await loginPage(app, j)).toEqual({ isNew: false, user: "ada", expired: null, invalid: null });
  });

  it("an asset meets the session past its absolute limit first; the next page reads why", async () => {
    const clock = testClock();
    const app = endedApp({ absoluteTimeout: 120, now: clock.now, ...options(clock) });
    const j = cookieJar();
    await send(app, big ? "/login?big=1" : "/login", j, "POST");
    clock.advance(121);
    const asset = await send(app, "/avatar.svg", j);
    expect(asset.status).toBe(200);
    expect(asset.headers.getSetCookie()[0]).toMatch(/^__Host-session=ey/);
    expect(await loginPage(app, j)).toEqual({ isNew: true, user: null, expired: "absolute", invalid: null });
  });
});

describe("a session ended from another device: the next page reads why", () => {
  const cases: { mode: string; options: () => Partial<SessionOptions>; invalid: string }[] = [
    { mode: "cookie + revocation", options: () => ({ revocation: { namespace: env.SESSION_OBJECTS } }), invalid: "revoked" },
    { mode: "store: Durable Object", options: () => ({ store: new DurableObjectStore(env.SESSION_OBJECTS) }), invalid: "revoked" },
    { mode: "store: KV", options: () => ({ store: kvStore() }), invalid: "missing" },
  ];
  it.each(cases)("$mode: a poll meets the ended session; the login page reads $invalid", async ({ options, invalid }) => {
    const app = endedApp({ idleTimeout: 600, ...options() });
    const here = cookieJar();
    await send(app, "/login", here, "POST");
    const there = cookieJar();
    there.cookies.set(NAME, here.cookies.get(NAME)!); // the same session in another tab of another window
    await send(app, "/logout", there, "POST");
    expect(await (await send(app, "/session/status", here)).json()).toMatchObject({ active: false });
    expect(await loginPage(app, here)).toEqual({ isNew: true, user: null, expired: null, invalid });
    expect(await loginPage(app, there)).toEqual({ isNew: true, user: null, expired: null, invalid: null }); // logged out here: no notice
  });
});

describe("the ended-session marker", () => {
  async function expiredJar(options: Partial<SessionOptions> = {}) {
    const clock = testClock();
    const events: SessionEvent[] = [];
    const app = endedApp({ idleTimeout: 60, now: clock.now, onEvent: (event) => void events.push(event), ...options });
    const j = cookieJar();
    await send(app, "/login", j, "POST");
    clock.advance(61);
    const poll = await send(app, "/session/status", j);
    return { app, j, clock, events, setCookie: poll.headers.getSetCookie() };
  }

  it("is set like the session cookie, for 10 minutes, and sealed: it opens as no session", async () => {
    const { j, setCookie } = await expiredJar();
    expect(setCookie).toHaveLength(1);
    expect(setCookie[0]).toMatch(/^__Host-session=[\w.-]+; Max-Age=600; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    const keys = await createKeyring(SECRET, { purpose: NAME });
    expect(await unsealSession(j.cookies.get(NAME)!, keys, { now: Date.UTC(2026, 10, 24, 9, 1, 1) })).toEqual({
      ok: false,
      reason: "not-a-session",
    });
  });

  it("stops speaking once old, and is then removed", async () => {
    const { app, j, clock } = await expiredJar();
    clock.advance(600);
    expect(await loginPage(app, j)).toMatchObject({ expired: "idle" });
    clock.advance(61 + 60); // past its lifetime and the clock skew allowed
    const res = await send(app, "/login", j);
    expect(await res.json()).toEqual({ isNew: true, user: null, expired: null, invalid: null });
    expect(res.headers.getSetCookie()[0]).toMatch(/Max-Age=0/);
    expect(j.names()).toEqual([]);
  });

  it("cannot be forged: one sealed with another secret is refused like any cookie and removed", async () => {
    const clock = testClock();
    const app = endedApp({ idleTimeout: 60, now: clock.now });
    const j = cookieJar();
    j.cookies.set(NAME, await sealEnded("revoked", clock.now(), await createKeyring(OLD_SECRET, { purpose: NAME })));
    const res = await send(app, "/login", j);
    expect(await res.json()).toEqual({ isNew: true, user: null, expired: null, invalid: "unknown-key" });
    expect(j.names()).toEqual([]);
  });

  it("is reported once as an audit event: by the request that met the session, not by those that meet the marker", async () => {
    const { app, j, events } = await expiredJar();
    await loginPage(app, j);
    await send(app, "/session/status", j);
    expect(events.map((event) => event.type)).toEqual(["created", "expired"]);
  });

  it("goes with destroy(): a logout on the login page leaves no notice", async () => {
    const { app, j } = await expiredJar();
    const res = await send(app, "/logout", j, "POST");
    expect(res.headers.getSetCookie()[0]).toMatch(/Max-Age=0/);
    expect(await loginPage(app, j)).toEqual({ isNew: true, user: null, expired: null, invalid: null });
  });

  it("is not set for a cookie refused for what it is (tampered), nor for a visitor without one", async () => {
    const clock = testClock();
    const app = endedApp({ idleTimeout: 60, now: clock.now });
    const j = cookieJar();
    await send(app, "/login", j, "POST");
    const value = j.cookies.get(NAME)!;
    j.cookies.set(NAME, value.slice(0, -2) + (value.endsWith("AA") ? "AB" : "AA"));
    const res = await send(app, "/session/status", j);
    expect(res.headers.getSetCookie()[0]).toMatch(/Max-Age=0/);
    expect(j.names()).toEqual([]);
    expect((await send(app, "/session/status", j)).headers.getSetCookie()).toEqual([]);
  });
});
