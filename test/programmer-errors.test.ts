import { Hono } from "hono";
import { afterEach, describe, expect, it, vi } from "vitest";
import { session, SessionStoreError, sessionEngine, withSession, type SessionVariables } from "../src/index.js";
import { SECRET } from "./helpers.js";

type Data = { user: string };

function ourLines(spy: { mock: { calls: unknown[][] } }): string[] {
  return spy.mock.calls.map(([line]) => String(line)).filter((line) => line.startsWith("edge-session:"));
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("a mistake in the app's use of the session is logged once per isolate, whatever the error handler", () => {
  it("`s.id` before `await s.load()` under Hono's default error handler: a 500 and one log line", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const app = new Hono<{ Variables: SessionVariables<Data> }>();
    app.use(session<Data>({ secret: SECRET }));
    app.get("/", (c) => c.text(c.var.session.id));
    for (let i = 0; i < 3; i++) expect((await app.request("/")).status).toBe(500);
    expect(ourLines(log)).toEqual(["edge-session: session.id needs the session loaded: call `await session.load()` first"]);
  });

  it("an app.onError that swallows the error does not swallow the log line", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const app = new Hono<{ Variables: SessionVariables<Data> }>();
    app.use(session<Data>({ secret: SECRET }));
    app.onError((_, c) => c.text("sorry", 500));
    app.get("/", (c) => c.json(c.var.session.meta));
    expect((await app.request("/")).status).toBe(500);
    expect(await (await app.request("/")).text()).toBe("sorry");
    expect(ourLines(log)).toEqual(["edge-session: session.meta needs the session loaded: call `await session.load()` first"]);
  });

  it("withSession: the handler's mistake is its safe 500 and one log line", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const sessions = sessionEngine<Data, null>({ secret: SECRET });
    for (let i = 0; i < 2; i++) {
      const res = await withSession(sessions, new Request("https://a.example/"), null, (s) => new Response(String(s.secondsLeft())));
      expect(res.status).toBe(500);
    }
    expect(ourLines(log)).toEqual([expect.stringMatching(/^edge-session: session\.secondsLeft needs the session loaded/)]);
  });

  it("a session changed after its response left (CLOSED) is logged too", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const sessions = sessionEngine<Data, null>({ secret: SECRET });
    let late: (() => void) | undefined;
    await withSession(sessions, new Request("https://a.example/"), null, (s) => {
      late = () => s.set("user", "ada");
      return new Response("ok");
    });
    const app = new Hono<{ Variables: SessionVariables<Data> }>();
    app.use(session<Data>({ secret: SECRET }));
    app.get("/", (c) => {
      late!(); // a session of an earlier request: closed
      return c.text("unreachable");
    });
    expect((await app.request("/")).status).toBe(500);
    expect(ourLines(log)).toEqual([expect.stringMatching(/^edge-session: session\.set\(\) after the response was sent/)]);
  });

  it("errors that are the request's, not the app's (a store that is down), are left to the app", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const app = new Hono<{ Variables: SessionVariables<Data> }>();
    app.use(session<Data>({ secret: SECRET }));
    app.onError((_, c) => c.text("down", 503));
    app.get("/", () => {
      throw new SessionStoreError("get");
    });
    expect((await app.request("/")).status).toBe(503);
    expect(ourLines(log)).toEqual([]);
  });
});
