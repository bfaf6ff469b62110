import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { session, sessionStatus, SessionConfigError, staySignedIn, type Session, type SessionVariables } from "../src/index.js";
import { jar, SECRET, testClock, type Data } from "./helpers.js";

function statusApp(now: () => number, touchAfter = 0) {
  const app = new Hono<{ Variables: SessionVariables<Data> }>();
  app.use(session<Data>({ secret: SECRET, idleTimeout: 600, absoluteTimeout: 3600, touchAfter, now }));
  app.post("/login", (c) => {
    c.var.session.set("user", "ada");
    return c.text("in");
  });
  app.post("/stay", async (c) => c.text(String((await c.var.session.load()).idleSecondsLeft())));
  app.get("/session/status", sessionStatus());
  app.post("/session/stay", staySignedIn());
  // What the docs once showed as a stay endpoint: it never reads the session, so it never rolls it.
  app.post("/untouched", (c) => c.body(null, 204));
  return app;
}

async function call(app: Hono<any>, path: string, j: ReturnType<typeof jar>, method = "GET") {
  const res = await app.request(path, { method, headers: j.header() });
  j.take(res);
  return res;
}

describe("sessionStatus()", () => {
  it("reports the seconds left without rolling the session; an ordinary request (stay signed in) extends it", async () => {
    const clock = testClock();
    const app = statusApp(clock.now);
    const j = jar();
    await call(app, "/login", j, "POST");
    clock.advance(500);
    const res = await call(app, "/session/status", j);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    expect(res.headers.getSetCookie()).toEqual([]); // nothing rolled, although touchAfter is 0
    expect(await res.json()).toEqual({ active: true, idleSecondsLeft: 100, secondsLeft: 100 });
    clock.advance(50);
    expect(await (await call(app, "/session/status", j)).json()).toMatchObject({ idleSecondsLeft: 50 }); // polls never extend it
    await call(app, "/stay", j, "POST");
    expect(await (await call(app, "/session/status", j)).json()).toEqual({ active: true, idleSecondsLeft: 600, secondsLeft: 600 });
    clock.advance(601);
    expect(await (await call(app, "/session/status", j)).json()).toEqual({ active: false, idleSecondsLeft: null, secondsLeft: null });
  });

  it("creates no session for a visitor without one", async () => {
    const app = statusApp(testClock().now);
    const res = await app.request("/session/status");
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await res.json()).toEqual({ active: false, idleSecondsLeft: null, secondsLeft: null });
  });

  it("without the session middleware it is a configuration error, not a TypeError", async () => {
    const app = new Hono().get("/s", sessionStatus() as never);
    let caught: unknown;
    app.onError((error, c) => {
      caught = error;
      return c.text("error", 500);
    });
    await app.request("/s");
    expect(caught).toBeInstanceOf(SessionConfigError);
  });
});

describe("staySignedIn()", () => {
  it("rolls the session and answers the status after the roll, never cached", async () => {
    const clock = testClock();
    const app = statusApp(clock.now);
    const j = jar();
    await call(app, "/login", j, "POST");
    clock.advance(550);
    const res = await call(app, "/session/stay", j, "POST");
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    expect(res.headers.getSetCookie()).toHaveLength(1); // the session was sealed again with a new lastUsed
    expect(await res.json()).toEqual({ active: true, idleSecondsLeft: 600, secondsLeft: 600 });
    clock.advance(599);
    expect(await (await call(app, "/session/status", j)).json()).toEqual({ active: true, idleSecondsLeft: 1, secondsLeft: 1 });
    expect(await (await call(app, "/session/stay", j, "POST")).json()).toMatchObject({ idleSecondsLeft: 600 }); // in the last second
    // Up to the absolute limit, which "stay signed in" never moves.
    for (let t = 0; t < 4; t++) {
      clock.advance(590);
      expect(await (await call(app, "/session/stay", j, "POST")).json()).toMatchObject({ active: true, idleSecondsLeft: 600 });
    }
    expect(await (await call(app, "/session/stay", j, "POST")).json()).toEqual({ active: true, idleSecondsLeft: 600, secondsLeft: 91 });
  });

  it("answers what the response seals: within touchAfter of the last seal nothing moves", async () => {
    const clock = testClock();
    const app = statusApp(clock.now, 60);
    const j = jar();
    await call(app, "/login", j, "POST");
    clock.advance(30);
    const res = await call(app, "/session/stay", j, "POST");
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await res.json()).toEqual({ active: true, idleSecondsLeft: 570, secondsLeft: 570 });
    clock.advance(30);
    expect(await (await call(app, "/session/stay", j, "POST")).json()).toMatchObject({ idleSecondsLeft: 600 });
  });

  it("a handler that never reads the session does not roll it: the stay endpoint must (staySignedIn does)", async () => {
    const clock = testClock();
    const app = statusApp(clock.now);
    const j = jar();
    await call(app, "/login", j, "POST");
    clock.advance(550);
    expect((await call(app, "/untouched", j, "POST")).headers.getSetCookie()).toEqual([]);
    expect(await (await call(app, "/session/status", j)).json()).toMatchObject({ idleSecondsLeft: 50 });
  });

  it("creates no session for a visitor without one, and revives no expired one", async () => {
    const clock = testClock();
    const app = statusApp(clock.now);
    const anonymous = await app.request("/session/stay", { method: "POST" });
    expect(anonymous.headers.getSetCookie()).toEqual([]);
    expect(await anonymous.json()).toEqual({ active: false, idleSecondsLeft: null, secondsLeft: null });
    const j = jar();
    await call(app, "/login", j, "POST");
    clock.advance(601);
    const late = await call(app, "/session/stay", j, "POST");
    expect(await late.json()).toEqual({ active: false, idleSecondsLeft: null, secondsLeft: null });
    // The refused cookie was replaced with the ended-session marker, which is no session either.
    expect(await (await call(app, "/session/stay", j, "POST")).json()).toEqual({ active: false, idleSecondsLeft: null, secondsLeft: null });
  });

  it("without the session middleware it is a configuration error, not a TypeError", async () => {
    const app = new Hono().post("/s", staySignedIn() as never);
    let caught: unknown;
    app.onError((error, c) => {
      caught = error;
      return c.text("error", 500);
    });
    await app.request("/s", { method: "POST" });
    expect(caught).toBeInstanceOf(SessionConfigError);
  });
});

describe("the signedIn option of sessionStatus() and staySignedIn()", () => {
  /** A site that keeps sessions for visitors too: /visit puts something in the session without signing in. */
  function visitorsApp(now: () => number) {
    const app = new Hono<{ Variables: SessionVariables<Data> }>();
    app.use(session<Data>({ secret: SECRET, idleTimeout: 600, touchAfter: 0, now }));
    app.post("/visit", (c) => {
      c.var.session.set("role", "visitor");
      return c.text("hello");
    });
    app.post("/login", (c) => {
      c.var.session.set("user", "ada");
      return c.text("in");
    });
    const signedIn = async (s: Session<Data>) => (await s.get("user")) !== undefined;
    app.get("/session/status", sessionStatus<Data>({ signedIn }));
    app.post("/session/stay", staySignedIn<Data>({ signedIn }));
    return app;
  }

  it("answers a visitor's session as not active, and neither helper rolls it", async () => {
    const clock = testClock();
    const app = visitorsApp(clock.now);
    const j = jar();
    await call(app, "/visit", j, "POST");
    clock.advance(100);
    const inactive = { active: false, idleSecondsLeft: null, secondsLeft: null };
    const status = await call(app, "/session/status", j);
    expect(await status.json()).toEqual(inactive);
    const stay = await call(app, "/session/stay", j, "POST");
    expect(await stay.json()).toEqual(inactive);
    expect(stay.headers.getSetCookie()).toEqual([]); // touchAfter is 0: any load would have rolled it
    expect(stay.headers.get("Cache-Control")).toBe("no-store");
  });

  it("answers a signed-in user's session as before, and staySignedIn still rolls it", async () => {
    const clock = testClock();
    const app = visitorsApp(clock.now);
    const j = jar();
    await call(app, "/login", j, "POST");
    clock.advance(100);
    expect(await (await call(app, "/session/status", j)).json()).toEqual({ active: true, idleSecondsLeft: 500, secondsLeft: 500 });
    const stay = await call(app, "/session/stay", j, "POST");
    expect(stay.headers.getSetCookie()).toHaveLength(1);
    expect(await stay.json()).toEqual({ active: true, idleSecondsLeft: 600, secondsLeft: 600 });
  });

  it("refuses a signedIn that is not a function, and options that are not an object, when the handler is built", () => {
    expect(() => sessionStatus({ signedIn: "user" } as never)).toThrow(SessionConfigError);
    expect(() => staySignedIn(null as never)).toThrow(/staySignedIn\(\) takes an optional object/);
  });
});
