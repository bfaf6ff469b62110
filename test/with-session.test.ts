/** The engine without a framework: the plain-fetch example Worker, and withSession's contract. */
import { describe, expect, it } from "vitest";
import worker from "../examples/fetch/worker.js";
import { SessionTooLargeError, sessionEngine, withSession } from "../src/index.js";
import { jar, SECRET, testClock } from "./helpers.js";

const env = { SESSION_SECRET: SECRET };

async function get(j: ReturnType<typeof jar>, method = "GET", path = "/") {
  const res = await worker.fetch(new Request(`https://bank.example${path}`, { method, headers: j.header() }), env);
  j.take(res);
  return { res, text: await res.text() };
}

describe("a plain fetch Worker with sessionEngine + withSession", () => {
  it("counts visits through the sealed cookie, with no-store on every Set-Cookie, and logs out", async () => {
    const j = jar();
    const first = await get(j);
    expect(first.text).toMatch(/^Visit 1 since /);
    expect(first.res.headers.get("Cache-Control")).toBe("no-store");
    expect((await get(j)).text).toMatch(/^Visit 2 /);
    await get(j, "POST", "/logout");
    expect(j.value).toBeUndefined();
    expect((await get(j)).text).toMatch(/^Visit 1 /);
  });
});

describe("withSession", () => {
  const clock = testClock();

  it("a session error becomes its safe default response, without the handler's headers", async () => {
    const sessions = sessionEngine<{ big: string }, null>({ secret: SECRET, now: clock.now });
    const res = await withSession(sessions, new Request("https://a.example/"), null, (session) => {
      session.set("big", "x".repeat(5000));
      return new Response("secret balance", { headers: { "X-Balance": "1", "Cache-Control": "public, max-age=60" } });
    });
    expect(res.status).toBe(500);
    expect(res.headers.get("X-Balance")).toBeNull();
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    expect(await res.text()).not.toContain("balance");
  });

  it("other errors from the handler are rethrown, and nothing is written", async () => {
    const sessions = sessionEngine<{ user: string }, null>({ secret: SECRET, now: clock.now });
    const boom = new Error("handler failed");
    await expect(
      withSession(sessions, new Request("https://a.example/"), null, (session) => {
        session.set("user", "a");
        throw boom;
      }),
    ).rejects.toBe(boom);
  });

  it("never edits the handler's Response: a shared one stays without cookies", async () => {
    const shared = new Response(null, { status: 302, headers: { Location: "/" } });
    const sessions = sessionEngine<{ user: string }, null>({ secret: SECRET, now: clock.now });
    const res = await withSession(sessions, new Request("https://a.example/"), null, (session) => {
      session.set("user", "a");
      return shared;
    });
    expect(res.headers.getSetCookie()).toHaveLength(1);
    expect(shared.headers.get("Set-Cookie")).toBeNull();
  });

  it("commit() returns a list of Set-Cookie values and start() is lazy: an untouched session costs no cookie parse", async () => {
    const sessions = sessionEngine<{ user: string }, null>({ secret: SECRET, now: clock.now });
    let reads = 0;
    const headers = new Headers({ Cookie: "__Host-session=whatever" });
    const spy = new Proxy(headers, {
      get(target, key) {
        if (key === "get") reads++;
        const value = Reflect.get(target, key, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const untouched = sessions.start(spy, null);
    expect(await untouched.commit()).toEqual([]);
    expect(reads).toBe(0);
    const touched = sessions.start(new Headers(), null);
    touched.session.set("user", "a");
    const cookies = await touched.commit();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatch(/^__Host-session=[\w-]+\.\.[\w-]+\.[\w-]+\.[\w-]+; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    expect(() => touched.session.set("user", "b")).toThrow(/after the response was sent/);
  });

  it("reads the request's headers only when the handler uses the session", async () => {
    const sessions = sessionEngine<{ user: string }, null>({ secret: SECRET, now: clock.now });
    let reads = 0;
    const counted = () => {
      const request = new Request("https://a.example/", { headers: { Cookie: "a=b" } });
      const getter = Object.getOwnPropertyDescriptor(Request.prototype, "headers")!.get!;
      Object.defineProperty(request, "headers", { get: () => (reads++, getter.call(request)) });
      return request;
    };
    await withSession(sessions, counted(), null, () => new Response("ok"));
    expect(reads).toBe(0);
    await withSession(sessions, counted(), null, async (session) => new Response(String(await session.get("user"))));
    expect(reads).toBe(1);
  });

  it("a session too large is a typed error from commit()", async () => {
    const sessions = sessionEngine<{ big: string }, null>({ secret: SECRET, now: clock.now });
    const request = sessions.start(new Headers(), null);
    request.session.set("big", "x".repeat(5000));
    await expect(request.commit()).rejects.toBeInstanceOf(SessionTooLargeError);
  });
});
