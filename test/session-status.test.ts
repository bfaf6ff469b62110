import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { session, sessionStatus, SessionConfigError, type SessionVariables } from "../src/index.js";
import { jar, SECRET, testClock, type Data } from "./helpers.js";

function statusApp(now: () => number) {
  const app = new Hono<{ Variables: SessionVariables<Data> }>();
  app.use(session<Data>({ secret: SECRET, idleTimeout: 600, absoluteTimeout: 3600, touchAfter: 0, now }));
  app.post("/login", (c) => {
    c.var.session.set("user", "ada");
    return c.text("in");
  });
  app.post("/stay", async (c) => c.text(String((await c.var.session.load()).idleSecondsLeft())));
  app.get("/session/status", sessionStatus());
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
