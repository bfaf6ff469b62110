import { Hono, type Context } from "hono";
import { describe, expect, it } from "vitest";
import { session, sessionStatus, SessionConfigError, staySignedIn, type StaySignedInOptions, type SessionVariables } from "../src/index.js";
import { jar, SECRET, testClock, type Data } from "./helpers.js";

/**
 * Issue 24 item 4: "Stay signed in" changes the session (it rolls it), so another site's page must not be
 * able to call it, even with `sameSite: "None"` (which sends the cookie along with a cross-site POST).
 */
const APP = "https://bank.example";

function stayApp(now: () => number, options: StaySignedInOptions<Data> = {}) {
  const app = new Hono<{ Variables: SessionVariables<Data> }>();
  app.use(session<Data>({ secret: SECRET, idleTimeout: 600, touchAfter: 0, now, cookie: { sameSite: "None" } }));
  app.post("/login", (c) => {
    c.var.session.set("user", "ada");
    return c.text("in");
  });
  app.get("/session/status", sessionStatus());
  app.all("/session/stay", staySignedIn<Data>(options));
  return app;
}

async function request(
  app: Hono<any>,
  path: string,
  j: ReturnType<typeof jar>,
  init: { method?: string; headers?: Record<string, string> },
) {
  const res = await app.request(`${APP}${path}`, { method: init.method ?? "POST", headers: { ...j.header(), ...init.headers } });
  j.take(res);
  return res;
}

/** A signed-in user 120 s after login: 480 s of idle time left until something rolls the session. */
async function signedIn(options: StaySignedInOptions<Data> = {}) {
  const clock = testClock();
  const app = stayApp(clock.now, options);
  const j = jar();
  await request(app, "/login", j, {});
  clock.advance(120);
  const idleLeft = async () =>
    ((await (await request(app, "/session/status", j, { method: "GET" })).json()) as { idleSecondsLeft: number }).idleSecondsLeft;
  return { app, j, idleLeft };
}

describe("staySignedIn() refuses cross-site requests, whatever the cookie's SameSite", () => {
  it.each([
    ["an Origin of another site", { Origin: "https://evil.example" }],
    ["Sec-Fetch-Site: cross-site, without Origin", { "Sec-Fetch-Site": "cross-site" }],
    ["Sec-Fetch-Site: cross-site with another Origin", { "Sec-Fetch-Site": "cross-site", Origin: "https://evil.example" }],
    ["a sibling subdomain (same-site)", { "Sec-Fetch-Site": "same-site", Origin: "https://blog.bank.example" }],
    ["Origin: null (a sandboxed frame)", { Origin: "null" }],
    ["the same host over another scheme", { Origin: "http://bank.example" }],
  ])("%s: 403, never cached, and the session is not rolled", async (_what, headers) => {
    const { app, j, idleLeft } = await signedIn();
    const res = await request(app, "/session/stay", j, { headers });
    expect(res.status).toBe(403);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    expect(await res.json()).toEqual({ code: "CROSS_SITE" });
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await idleLeft()).toBe(480);
  });

  it("a cross-site GET (the helper mounted on every method) is refused too", async () => {
    const { app, j, idleLeft } = await signedIn();
    const res = await request(app, "/session/stay", j, { method: "GET", headers: { "Sec-Fetch-Site": "cross-site" } });
    expect(res.status).toBe(403);
    expect(await idleLeft()).toBe(480);
  });

  it("is not rolled either when a middleware before the helper read the session", async () => {
    const clock = testClock();
    const app = new Hono<{ Variables: SessionVariables<Data> }>();
    app.use(session<Data>({ secret: SECRET, idleTimeout: 600, touchAfter: 0, now: clock.now, cookie: { sameSite: "None" } }));
    app.post("/login", (c) => (c.var.session.set("user", "ada"), c.text("in")));
    const signedInOnly = async (c: Context<{ Variables: SessionVariables<Data> }>, next: () => Promise<void>) => {
      if ((await c.var.session.get("user")) === undefined) return c.text("out", 401);
      return next();
    };
    app.post("/session/stay", signedInOnly, staySignedIn<Data>());
    app.get("/left", async (c) => (c.var.session.skipRoll(), c.json((await c.var.session.load()).idleSecondsLeft())));
    const j = jar();
    await request(app, "/login", j, {});
    clock.advance(120);
    const res = await request(app, "/session/stay", j, { headers: { Origin: "https://evil.example" } });
    expect(res.status).toBe(403);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await (await request(app, "/left", j, { method: "GET" })).json()).toBe(480);
    expect((await request(app, "/session/stay", j, { headers: { Origin: APP } })).status).toBe(200);
    expect(await (await request(app, "/left", j, { method: "GET" })).json()).toBe(600);
  });

  it.each([
    ["Sec-Fetch-Site: same-origin with its Origin", { "Sec-Fetch-Site": "same-origin", Origin: APP }],
    ["Sec-Fetch-Site: same-origin alone", { "Sec-Fetch-Site": "same-origin" }],
    ["its own Origin alone (a browser without Sec-Fetch-Site)", { Origin: APP }],
    ["neither header (not a browser page: a test, a server)", {}],
  ])("%s: answered, and the session rolls", async (_what, headers) => {
    const { app, j, idleLeft } = await signedIn();
    const res = await request(app, "/session/stay", j, { headers });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ active: true, idleSecondsLeft: 600, secondsLeft: 600 });
    expect(res.headers.getSetCookie()).toHaveLength(1);
    expect(await idleLeft()).toBe(600);
  });
});

describe("the origin option of staySignedIn()", () => {
  const EMBEDDER = "https://portal.example";

  it.each([
    ["an origin", EMBEDDER],
    ["a list", ["https://other.example", EMBEDDER]],
    ["a function", (origin: string) => origin.endsWith(".example") && origin.startsWith("https://portal.")],
  ] as const)("allows the origins given as %s, and only those", async (_what, origin) => {
    const { app, j, idleLeft } = await signedIn({ origin });
    const embedded = await request(app, "/session/stay", j, { headers: { "Sec-Fetch-Site": "cross-site", Origin: EMBEDDER } });
    expect(embedded.status).toBe(200);
    expect(await idleLeft()).toBe(600);
    const other = await request(app, "/session/stay", j, { headers: { "Sec-Fetch-Site": "cross-site", Origin: "https://evil.example" } });
    expect(other.status).toBe(403);
  });

  it("a function answering anything but true refuses", async () => {
    const { app, j } = await signedIn({ origin: (() => "yes") as never });
    expect((await request(app, "/session/stay", j, { headers: { Origin: "https://evil.example" } })).status).toBe(403);
  });

  it.each([
    ["a URL with a path", "https://portal.example/app"],
    ["a trailing slash", "https://portal.example/"],
    ["no scheme", "portal.example"],
    ["null", "null"],
    ["a number", 443],
    ["a list holding a bad one", [EMBEDDER, "*"]],
    ["another scheme", "ftp://portal.example"],
  ])("refuses %s when the handler is built", (_what, origin) => {
    expect(() => staySignedIn({ origin: origin as never })).toThrow(SessionConfigError);
  });

  it("unknown options are errors, in both helpers (origin is staySignedIn's only)", () => {
    expect(() => staySignedIn({ orign: EMBEDDER } as never)).toThrow(/unknown option "orign"/);
    expect(() => sessionStatus({ origin: EMBEDDER } as never)).toThrow(/unknown option "origin"/);
  });
});
