/**
 * The attack catalogue, request cycle: what happens around the handler rather than inside the cookie. Clock
 * skew between locations, secrets missing from the environment, errors after the handler ran, Response objects
 * shared between requests, writes from a streamed body, middleware order, and options that would silently
 * turn a limit off. Each test is named by what a user would lose if the library got it wrong.
 */
import { Hono, type Context } from "hono";
import { etag } from "hono/etag";
import { stream } from "hono/streaming";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  requireCsrfToken,
  requireSession,
  session,
  SessionClosedError,
  SessionConfigError,
  SessionError,
  type Session,
  type SessionOptions,
  type SessionStore,
  type SessionVariables,
} from "../src/index.js";
import { counterApp, jar, OLD_SECRET, SECRET, testClock, type Data } from "./helpers.js";

type Env = { Variables: SessionVariables<Data> };

async function inc(app: Hono<any>, j: ReturnType<typeof jar>) {
  const res = await app.request("/inc", { headers: j.header() });
  j.take(res);
  return (await res.json()) as { count: number; isNew: boolean; invalid: string | null; expired: string | null };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("clock skew between locations", () => {
  it("a write where the clock runs 5 ms behind, across a second boundary, does not log the user out", async () => {
    const clock = testClock(Date.UTC(2026, 10, 24, 9, 0, 10)); // exactly on a second
    const app = counterApp({ now: clock.now, idleTimeout: 300 });
    const j = jar();
    expect(await inc(app, j)).toMatchObject({ count: 1, isNew: true });
    clock.advance(-0.005); // another location, 5 ms behind: its second is the previous one
    expect(await inc(app, j)).toMatchObject({ count: 2, isNew: false, invalid: null });
    clock.advance(1.005);
    expect(await inc(app, j)).toMatchObject({ count: 3, isNew: false, invalid: null });
  });

  it("a location 59 s behind the one that created the session keeps it alive, and so does the next one", async () => {
    const clock = testClock();
    const app = counterApp({ now: clock.now, idleTimeout: 300 });
    const j = jar();
    await inc(app, j);
    for (const step of [-59, 59, -59, 1]) {
      clock.advance(step);
      expect(await inc(app, j)).toMatchObject({ isNew: false, invalid: null, expired: null });
    }
    expect((await inc(app, j)).count).toBe(6);
  });

  it("a clock behind does not extend the session beyond the idle limit plus the tolerated skew", async () => {
    const clock = testClock();
    const app = counterApp({ now: clock.now, idleTimeout: 300 });
    const j = jar();
    await inc(app, j); // created at T, by a clock 50 s ahead of the next location
    clock.advance(-50);
    await inc(app, j); // last real use at T - 50 (seals lastUsed = created = T)
    clock.advance(50 + 300);
    expect(await inc(app, j)).toMatchObject({ isNew: false, count: 3 }); // T + 300: within the limit counted from T
    const late = testClock(clock.now() + 301_000);
    const lateApp = counterApp({ now: late.now, idleTimeout: 300 });
    expect(await inc(lateApp, j)).toMatchObject({ isNew: true, expired: "idle" });
  });
});

describe("secrets from the environment", () => {
  function appWith(secret: SessionOptions["secret"]) {
    const app = new Hono<Env>();
    const errors: unknown[] = [];
    app.use(session<Data>({ secret }));
    app.get("/", async (c) => c.json({ user: (await c.var.session.get("user")) ?? null }));
    app.get("/set", (c) => {
      c.var.session.set("user", "a");
      return c.text("ok");
    });
    app.onError((error, c) => {
      errors.push(error);
      return c.text("error", 500);
    });
    return { app, errors };
  }

  it.each([
    ["undefined", undefined, /the current secret \(the first in the list\) is undefined: set it \(a Worker secret/],
    ["null", null, /is null/],
    ["a number", 42, /is number/],
    ["an object", {}, /is object/],
    ["a list with a previous secret of the wrong type", [SECRET, 42], /previous secret #1 is number/],
  ])("a secret that is %s is a SessionConfigError naming the problem, never a TypeError", async (_, value, message) => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const { app, errors } = appWith(() => value as never);
    expect((await app.request("/")).status).toBe(500);
    expect((await app.request("/set")).status).toBe(500);
    expect(errors).toHaveLength(2);
    for (const error of errors) {
      expect(error).toBeInstanceOf(SessionConfigError);
      expect((error as SessionConfigError).message).toMatch(message);
      expect((error as SessionConfigError).message).not.toContain(SECRET);
    }
  });

  it("a list of secrets and one string spelling the list's cache key do not share derived keys", async () => {
    const list = appWith(() => [SECRET, OLD_SECRET]);
    const j = jar();
    j.take(await list.app.request("/set"));
    expect(j.value).toBeDefined();
    const spelled = appWith(() => `${SECRET}\u0000s:${OLD_SECRET}`);
    expect(await (await spelled.app.request("/", { headers: j.header() })).json()).toEqual({ user: null });
    expect(await (await list.app.request("/", { headers: j.header() })).json()).toEqual({ user: "a" });
  });

  it("a misconfiguration found per request is logged once per isolate, with its message and without the secret", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const short = "0123456789abcdefghij"; // 20 characters: too short
    const { app } = appWith(() => short);
    for (let i = 0; i < 3; i++) expect((await app.request("/")).status).toBe(500);
    const ours = log.mock.calls.filter(([line]) => String(line).startsWith("edge-session:"));
    expect(ours).toHaveLength(1);
    expect(String(ours[0]![0])).toMatch(/has 20 characters; at least 32/);
    expect(String(ours[0]![0])).not.toContain(short);
  });
});

describe("errors after the handler ran", () => {
  const failing: SessionStore = {
    get: async () => null,
    set: async () => {
      throw new Error("KV is down");
    },
    delete: async () => {},
  };

  function leakyApp(options: Partial<SessionOptions>, onError?: (error: Error, c: Context) => Response) {
    const app = new Hono<Env>();
    app.use(session<Data>({ secret: SECRET, ...options }));
    if (onError) app.onError(onError);
    app.get("/header", (c) => {
      c.var.session.set("big", "x".repeat(5000));
      c.header("Cache-Control", "public, max-age=600");
      c.header("X-Account-Balance", "1000000");
      return c.text("balance page");
    });
    app.get("/response", (c) => {
      c.var.session.set("big", "x".repeat(5000));
      return new Response("balance page", { headers: { "Cache-Control": "public, max-age=600", "X-Account-Balance": "1000000" } });
    });
    return app;
  }

  function expectClean(res: Response, status: number) {
    expect(res.status).toBe(status);
    expect(res.headers.get("X-Account-Balance")).toBeNull();
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    expect(res.headers.get("Set-Cookie")).toBeNull();
  }

  it.each(["/header", "/response"])("a session too large for its cookie: a 500 without the handler's headers (%s)", async (path) => {
    const res = await leakyApp({}).request(path);
    expectClean(res, 500);
    expect(await res.text()).not.toContain("balance");
  });

  it.each(["/header", "/response"])(
    "a store that fails on the write: a 503 with Retry-After and without the handler's headers (%s)",
    async (path) => {
      const res = await leakyApp({ store: failing }).request(path);
      expectClean(res, 503);
      expect(res.headers.get("Retry-After")).toBe("1");
    },
  );

  it("an app's own error handler starts from a clean response too", async () => {
    const app = leakyApp({ store: failing }, (error, c) => c.text(error instanceof SessionError ? error.code : "?", 502));
    const res = await app.request("/header");
    expectClean(res, 502);
    expect(await res.text()).toBe("STORE_UNAVAILABLE");
  });
});

describe("Response objects shared between requests", () => {
  it("a module-level redirect never carries one visitor's cookie to the next", async () => {
    const home = new Response(null, { status: 302, headers: { Location: "/" } });
    const app = new Hono<Env>();
    app.use(session<Data>({ secret: SECRET }));
    app.post("/login", (c) => {
      c.var.session.set("user", "victim");
      return home;
    });
    app.get("/anywhere", () => home);
    const login = await app.request("/login", { method: "POST" });
    expect(login.status).toBe(302);
    expect(login.headers.getSetCookie()).toHaveLength(1);
    expect(home.headers.get("Set-Cookie")).toBeNull();
    expect(home.headers.get("Cache-Control")).toBeNull();
    const next = await app.request("/anywhere");
    expect(next.status).toBe(302);
    expect(next.headers.get("Set-Cookie")).toBeNull();
  });

  it("an immutable response (Response.redirect) still gets its cookie", async () => {
    const app = new Hono<Env>();
    app.use(session<Data>({ secret: SECRET }));
    app.get("/go", (c) => {
      c.var.session.set("user", "a");
      return Response.redirect("https://example.com/next", 303);
    });
    const res = await app.request("/go");
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("https://example.com/next");
    expect(res.headers.getSetCookie()).toHaveLength(1);
  });
});

describe("responses made by the request's own context", () => {
  /** An app whose /login answers with the response its context made, and keeps it: `kept` is what it returned. */
  function keepingApp(make: (c: Context<Env>) => Response | Promise<Response>) {
    const app = new Hono<Env>();
    const made: Response[] = [];
    app.use(session<Data>({ secret: SECRET }));
    app.get("/login/:user", async (c) => {
      c.var.session.set("user", c.req.param("user"));
      const res = await make(c);
      made.push(res);
      return res;
    });
    return { app, made };
  }

  it("c.json(), c.text(), c.html(), c.body(data) and c.newResponse(data) get the cookie on the very response (no copy)", async () => {
    const makers: ((c: Context<Env>) => Response | Promise<Response>)[] = [
      (c) => c.json({ ok: true }),
      (c) => c.text("ok"),
      (c) => c.html(Promise.resolve("<p>ok</p>")),
      (c) => c.body("ok"),
      (c) => c.newResponse("ok"),
    ];
    for (const make of makers) {
      const { app, made } = keepingApp(make);
      const res = await app.request("/login/alice");
      expect(res).toBe(made[0]);
      expect(res.headers.getSetCookie()).toHaveLength(1);
      expect(res.headers.get("Cache-Control")).toBe("no-store");
    }
  });

  it("a response without a body (c.redirect(), c.body(null)), which an app may keep and send again, is never edited: its cookie goes on a copy", async () => {
    for (const make of [(c: Context<Env>) => c.redirect("/home"), (c: Context<Env>) => c.body(null, 204)]) {
      const { app, made } = keepingApp(make);
      const res = await app.request("/login/alice");
      expect(res).not.toBe(made[0]);
      expect(res.headers.getSetCookie()).toHaveLength(1);
      expect(made[0]!.headers.getSetCookie()).toEqual([]);
      expect(made[0]!.headers.get("Cache-Control")).toBeNull();
    }
  });

  it("a redirect one request's context made, kept and returned again for another visitor, never carries the first one's cookie", async () => {
    let first: Response | undefined;
    const app = new Hono<Env>();
    app.use(session<Data>({ secret: SECRET }));
    app.get("/login/:user", (c) => {
      c.var.session.set("user", c.req.param("user"));
      return (first ??= c.redirect("/home")); // an app caching its redirect across requests
    });
    app.get("/anywhere", () => first!);
    const alice = await app.request("/login/alice");
    const aliceCookie = alice.headers.getSetCookie()[0]!;
    expect(aliceCookie).toMatch(/^__Host-session=/);
    // Another visitor logs in: same kept response, their own cookie only.
    const bob = await app.request("/login/bob");
    expect(bob).not.toBe(first);
    expect(bob.headers.getSetCookie()).toHaveLength(1);
    expect(bob.headers.getSetCookie()[0]).not.toBe(aliceCookie);
    expect(bob.headers.get("Location")).toBe("/home");
    // A visitor whose session is untouched gets it with no cookie at all.
    const other = await app.request("/anywhere");
    expect(other.headers.getSetCookie()).toEqual([]);
    expect(other.status).toBe(302);
    expect(first!.headers.getSetCookie()).toEqual([]);
  });

  it("a response with a body, kept and returned again (before its body was read), leaves without the first visitor's cookie; the app's own Set-Cookie stays", async () => {
    let kept: Response | undefined;
    const app = new Hono<Env>();
    app.use(session<Data>({ secret: SECRET }));
    app.get("/login/:user", (c) => {
      c.var.session.set("user", c.req.param("user"));
      if (!kept) {
        c.header("Set-Cookie", "theme=dark; Path=/");
        kept = c.text("welcome");
      }
      return kept;
    });
    app.get("/anywhere", () => kept!); // the session untouched: no cookie of this request
    const alice = await app.request("/login/alice");
    expect(alice).toBe(kept); // edited in place: this request's context made it
    const aliceCookie = alice.headers.getSetCookie()[1]!;
    const bob = await app.request("/login/bob");
    const cookies = bob.headers.getSetCookie();
    expect(cookies).toHaveLength(2);
    expect(cookies[0]).toBe("theme=dark; Path=/");
    expect(cookies[1]).toMatch(/^__Host-session=/);
    expect(cookies[1]).not.toBe(aliceCookie);
    const other = await app.request("/anywhere");
    expect(other.headers.getSetCookie()).toEqual(["theme=dark; Path=/"]);
  });
  it("two session middlewares (two cookie names) both put their cookie on the response; a later request that returns it again carries neither", async () => {
    let kept: Response | undefined;
    const app = new Hono<Env>();
    app.use(session<Data>({ secret: SECRET }));
    const outer: Session<Data>[] = [];
    app.use(async (c, next) => {
      outer.push(c.var.session);
      await next();
    });
    app.use(session<Data>({ secret: OLD_SECRET, cookie: { name: "__Host-preview" } }));
    app.get("/login/:user", (c) => {
      c.var.session.set("user", c.req.param("user"));
      outer.at(-1)!.set("user", c.req.param("user"));
      return (kept ??= c.text("welcome"));
    });
    app.get("/anywhere", () => kept!);
    const alice = await app.request("/login/alice");
    const names = alice.headers.getSetCookie().map((value) => value.split("=", 1)[0]);
    expect(names).toEqual(["__Host-preview", "__Host-session"]);
    expect(alice).toBe(kept);
    const other = await app.request("/anywhere");
    expect(other.headers.getSetCookie()).toEqual([]);
  });

  it("a kept response whose session took chunks: a later request sends none of the first visitor's chunk cookies", async () => {
    let kept: Response | undefined;
    const app = new Hono<Env>();
    app.use(session<Data>({ secret: SECRET, cookie: { chunks: 3 } }));
    app.get("/login/:user", (c) => {
      c.var.session.set("user", c.req.param("user"));
      c.var.session.set("note", "x".repeat(5000)); // two chunks, the third name expired
      c.header("Set-Cookie", "theme=dark; Path=/");
      return (kept ??= c.text("welcome"));
    });
    app.get("/anywhere", () => kept!);
    const alice = await app.request("/login/alice");
    expect(alice).toBe(kept);
    expect(alice.headers.getSetCookie().map((line) => line.split("=", 1)[0])).toEqual([
      "theme",
      "__Host-session",
      "__Host-session.1",
      "__Host-session.2",
    ]);
    const other = await app.request("/anywhere");
    expect(other.headers.getSetCookie()).toEqual(["theme=dark; Path=/"]);
  });

  it("the mark on a response given its cookies in place holds none of them (they would live as long as the response)", async () => {
    const { app, made } = keepingApp((c) => c.json({ ok: true }));
    const res = await app.request("/login/alice");
    expect(res).toBe(made[0]);
    const own = [...Object.getOwnPropertyNames(res), ...Object.getOwnPropertySymbols(res)].map((key) => (res as any)[key]);
    expect(own).toEqual([true]);
  });
});

describe("writes from a streamed body", () => {
  it("a change after the response left is refused with SessionClosedError, never silently lost", async () => {
    const app = new Hono<Env>();
    const errors: unknown[] = [];
    app.use(session<Data>({ secret: SECRET }));
    app.get("/stream", (c) => {
      c.var.session.set("user", "before"); // before the response: written
      return stream(
        c,
        async (out) => {
          await out.write("a");
          c.var.session.set("count", 1);
        },
        async (error) => {
          errors.push(error);
        },
      );
    });
    const res = await app.request("/stream");
    expect(res.headers.getSetCookie()).toHaveLength(1);
    await res.text();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(SessionClosedError);
    expect((errors[0] as SessionClosedError).code).toBe("CLOSED");
  });

  it("a session first touched inside the stream cannot be written either", async () => {
    const app = new Hono<Env>();
    let error: unknown;
    app.use(session<Data>({ secret: SECRET }));
    app.get("/stream", (c) =>
      stream(c, async (out) => {
        await out.write("a");
        try {
          c.var.session.destroy();
        } catch (e) {
          error = e;
        }
      }),
    );
    const res = await app.request("/stream");
    await res.text();
    expect(error).toBeInstanceOf(SessionClosedError);
    expect(res.headers.get("Set-Cookie")).toBeNull();
  });
});

describe("middleware order: etag()", () => {
  function etagApp(order: "session-first" | "etag-first") {
    const app = new Hono<Env>();
    const s = session<Data>({ secret: SECRET });
    if (order === "session-first") app.use(s, etag());
    else app.use(etag(), s);
    app.get("/inc", async (c) => {
      c.var.session.set("count", ((await c.var.session.get("count")) ?? 0) + 1);
      return c.text("same body every time");
    });
    app.get("/count", async (c) => c.json({ count: (await c.var.session.get("count")) ?? 0 }));
    return app;
  }

  it("session() before etag(): a 304 carries the Set-Cookie and the change is kept", async () => {
    const app = etagApp("session-first");
    const j = jar();
    const first = await app.request("/inc");
    j.take(first);
    const tag = first.headers.get("ETag")!;
    const second = await app.request("/inc", { headers: { ...j.header(), "If-None-Match": tag } });
    expect(second.status).toBe(304);
    expect(j.take(second)).toBeDefined();
    expect(second.headers.get("Cache-Control")).toBe("no-store");
    expect(await (await app.request("/count", { headers: j.header() })).json()).toEqual({ count: 2 });
  });

  it("etag() before session(): the 304 drops the Set-Cookie (the order the README warns against)", async () => {
    const app = etagApp("etag-first");
    const j = jar();
    const first = await app.request("/inc");
    j.take(first);
    const second = await app.request("/inc", { headers: { ...j.header(), "If-None-Match": first.headers.get("ETag")! } });
    expect(second.status).toBe(304);
    expect(second.headers.get("Set-Cookie")).toBeNull();
    expect(await (await app.request("/count", { headers: j.header() })).json()).toEqual({ count: 1 });
  });
});

describe("options that would silently turn a limit off", () => {
  it.each([
    [{ idleTimeout: 0 }, /idleTimeout must be a whole number of seconds, at least 1 \(omit it for no limit\)/],
    [{ absoluteTimeout: 0 }, /absoluteTimeout must be a whole number of seconds, at least 1/],
    [{ idleTimeout: 300, touchAfter: 300 }, /touchAfter \(300\) must be less than the idle limit \(300 s/],
    [{ idleTimeout: 300, touchAfter: 301 }, /touchAfter/],
    [{ lifetime: 600, touchAfter: 600 }, /touchAfter \(600\) must be less than the idle limit \(600 s/],
    [{ idleTimeout: Number("abc") }, /idleTimeout/],
  ])("%o is refused at start-up", (options, message) => {
    expect(() => session({ secret: SECRET, ...options })).toThrow(SessionConfigError);
    expect(() => session({ secret: SECRET, ...options })).toThrow(message);
  });

  it("touchAfter just under the idle limit is accepted, and a reader stays logged in", async () => {
    const clock = testClock();
    const app = counterApp({ now: clock.now, idleTimeout: 300, touchAfter: 299 });
    const j = jar();
    await inc(app, j);
    for (let i = 0; i < 5; i++) {
      clock.advance(299);
      const res = await app.request("/read", { headers: j.header() });
      j.take(res);
      expect(await res.json()).toMatchObject({ isNew: false, count: 1 });
    }
  });

  it("touchAfter: 0 re-seals on every request that loads the session", async () => {
    const clock = testClock();
    const app = counterApp({ now: clock.now, idleTimeout: 300, touchAfter: 0 });
    const j = jar();
    await inc(app, j);
    clock.advance(1);
    const res = await app.request("/read", { headers: j.header() });
    expect(res.headers.getSetCookie()).toHaveLength(1);
  });
});

describe("CSRF tokens and requireSession: forged, replayed and borrowed", () => {
  function bank(options: Partial<SessionOptions> = {}) {
    const app = new Hono<Env>();
    app.use(session<Data>({ secret: SECRET, idleTimeout: 600, ...options }));
    app.use("/account/*", requireSession({ key: "user" }), requireCsrfToken());
    app.post("/login", async (c) => {
      (await c.var.session.load()).regenerate();
      c.var.session.set("user", "ada");
      return c.text("in");
    });
    app.get("/account/token", async (c) => c.text(await c.var.session.csrfToken()));
    app.post("/account/pay", (c) => c.text("paid"));
    return app;
  }
  async function login(app: Hono<any>) {
    const j = jar();
    j.take(await app.request("/login", { method: "POST" }));
    return j;
  }
  const token = async (app: Hono<any>, j: ReturnType<typeof jar>) => (await app.request("/account/token", { headers: j.header() })).text();
  const pay = async (app: Hono<any>, j: ReturnType<typeof jar>, csrf: string) =>
    (await app.request("/account/pay", { method: "POST", headers: { ...j.header(), "X-CSRF-Token": csrf } })).status;

  it("a token captured from a page before login is refused after login regenerates the session", async () => {
    const app = bank();
    const j = await login(app);
    const captured = await token(app, j);
    j.take(await app.request("/login", { method: "POST", headers: j.header() }));
    expect(await pay(app, j, captured)).toBe(403);
  });

  it("an attacker's own token, from the attacker's own session, does not pass for the victim", async () => {
    const app = bank();
    const [victim, attacker] = [await login(app), await login(app)];
    expect(await pay(app, victim, await token(app, attacker))).toBe(403);
    expect(await pay(app, victim, await token(app, victim))).toBe(200);
  });

  it("a token of another app sharing the secret (another cookie name) does not pass", async () => {
    const [app, other] = [bank(), bank({ cookie: { name: "__Host-other" } })];
    const j = await login(app);
    const foreign = jar("__Host-other");
    foreign.take(await other.request("/login", { method: "POST" }));
    const id = j.value!;
    expect(await pay(app, j, await token(other, foreign))).toBe(403);
    expect(j.value).toBe(id);
  });

  it("a forged form post without a session is refused as not signed in, before any token check", async () => {
    const res = await bank().request("/account/pay", {
      method: "POST",
      headers: { "X-CSRF-Token": "x".repeat(86), Origin: "https://evil.example" },
    });
    expect([res.status, await res.json()]).toEqual([401, { code: "SESSION_REQUIRED", reason: "none" }]);
  });

  it("neither the token nor the session's secret is ever logged", async () => {
    const logs = [vi.spyOn(console, "log"), vi.spyOn(console, "error"), vi.spyOn(console, "warn")];
    const app = bank();
    const j = await login(app);
    const good = await token(app, j);
    expect(await pay(app, j, good.slice(0, 50) + (good[50] === "A" ? "B" : "A") + good.slice(51))).toBe(403);
    expect(await pay(app, j, good)).toBe(200);
    for (const spy of logs) expect(spy).not.toHaveBeenCalled();
  });
});
