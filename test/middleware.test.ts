import { Hono } from "hono";
import { describe, expect, it, vi } from "vitest";
import { createKeyring, sealSession, session, SessionConfigError, SessionTooLargeError, type SessionVariables } from "../src/index.js";
import { counterApp, jar, OLD_SECRET, SECRET, testClock, type Data } from "./helpers.js";

type Body = {
  count: number | null;
  id: string;
  isNew: boolean;
  expired: string | null;
  invalid: string | null;
  meta: { created: number; lastUsed: number; lifetime: number };
  idleLeft: number | null;
};

async function call(app: Hono<any>, path: string, j: ReturnType<typeof jar>, extra: Record<string, string> = {}) {
  const res = await app.request(path, { headers: { ...j.header(), ...extra } });
  const setCookie = j.take(res);
  const body = res.headers.get("Content-Type")?.includes("json") ? ((await res.json()) as Body) : undefined;
  return { res, setCookie, body: body! };
}

describe("round trip", () => {
  it("keeps data across requests through the sealed cookie, with the same id", async () => {
    const app = counterApp();
    const j = jar();
    const first = await call(app, "/inc", j);
    expect(first.body).toMatchObject({ count: 1, isNew: true });
    const second = await call(app, "/inc", j);
    expect(second.body).toMatchObject({ count: 2, isNew: false, id: first.body.id });
    expect(j.value).not.toContain("count"); // sealed, not readable
  });

  it("sets secure cookie defaults and Cache-Control: no-store with the cookie", async () => {
    const { res, setCookie } = await call(counterApp(), "/inc", jar());
    expect(setCookie).toMatch(/^__Host-session=[\w-]+\.\.[\w-]+\.[\w-]+\.[\w-]+; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
  });

  it("keeps an app's stricter Cache-Control and replaces a cacheable one", async () => {
    const app = new Hono<{ Variables: SessionVariables<Data> }>();
    app.use(session<Data>({ secret: SECRET }));
    app.get("/strict", (c) => {
      c.var.session.set("user", "a");
      c.header("Cache-Control", "private, no-store, max-age=0");
      return c.text("x");
    });
    app.get("/public", (c) => {
      c.var.session.set("user", "a");
      c.header("Cache-Control", "public, max-age=3600");
      return c.text("x");
    });
    expect((await app.request("/strict")).headers.get("Cache-Control")).toBe("private, no-store, max-age=0");
    expect((await app.request("/public")).headers.get("Cache-Control")).toBe("no-store");
  });

  it("sets the cookie on a response whose headers are immutable (Response.redirect, fetch)", async () => {
    expect(() => Response.redirect("https://example.com/").headers.append("X", "y")).toThrow(TypeError);
    const app = new Hono<{ Variables: SessionVariables<Data> }>();
    app.use(session<Data>({ secret: SECRET }));
    app.get("/login", (c) => {
      c.var.session.set("user", "ada");
      return Response.redirect("https://example.com/home", 303);
    });
    const res = await app.request("/login");
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("https://example.com/home");
    expect(res.headers.get("Set-Cookie")).toMatch(/^__Host-session=[\w.-]+; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
  });

  it("sets Max-Age from lifetime, capped by the absolute timeout", async () => {
    const clock = testClock();
    const j = jar();
    expect((await call(counterApp({ now: clock.now, lifetime: 3600 }), "/inc", j)).setCookie).toContain("; Max-Age=3600;");
    const capped = await call(counterApp({ now: clock.now, lifetime: 3600, absoluteTimeout: 600 }), "/inc", jar());
    expect(capped.setCookie).toContain("; Max-Age=600;");
  });
});

describe("laziness", () => {
  it("never derives keys, decrypts or sets a cookie on a route that does not touch the session", async () => {
    const secret = vi.fn(() => SECRET);
    const app = counterApp({ secret });
    const j = jar();
    await call(app, "/inc", j);
    expect(secret).toHaveBeenCalledTimes(1);
    const { res, setCookie } = await call(app, "/untouched", j);
    expect(await res.text()).toBe("ok");
    expect(setCookie).toBeUndefined();
    expect(secret).toHaveBeenCalledTimes(1);
  });

  it("does not read the request's headers on a route that does not touch the session, and reads the Cookie on first use", async () => {
    // workerd makes a request's Headers object on its first read (about 0.8 us a request, measured): a route
    // that never uses the session must not pay for it.
    let reads = 0;
    const app = new Hono<{ Variables: SessionVariables<Data> }>();
    app.use(async (c, next) => {
      const raw = c.req.raw;
      const getter = Object.getOwnPropertyDescriptor(Request.prototype, "headers")!.get!;
      Object.defineProperty(raw, "headers", { get: () => (reads++, getter.call(raw)) });
      await next();
    });
    app.use(session<Data>({ secret: SECRET }));
    app.get("/untouched", (c) => c.text("ok"));
    app.get("/count", async (c) => c.json({ count: (await c.var.session.get("count")) ?? null }));
    expect(await (await app.request("/untouched", { headers: { Cookie: "a=b" } })).text()).toBe("ok");
    expect(reads).toBe(0);
    expect(await (await app.request("/count", { headers: { Cookie: "a=b" } })).json()).toEqual({ count: null });
    expect(reads).toBe(1);
  });

  it("does not create a cookie for a visitor whose session stays empty", async () => {
    const { setCookie, body } = await call(counterApp(), "/read", jar());
    expect(body.isNew).toBe(true);
    expect(setCookie).toBeUndefined();
  });

  it("applies writes made before the first read, in order", async () => {
    const app = new Hono<{ Variables: SessionVariables<Data> }>();
    app.use(session<Data>({ secret: SECRET }));
    app.get("/", async (c) => {
      const s = c.var.session;
      s.set("user", "ada");
      s.set("count", 1);
      s.delete("count");
      return c.json({ user: await s.get("user"), count: (await s.get("count")) ?? null, all: await s.all() });
    });
    expect(await (await app.request("/")).json()).toEqual({ user: "ada", count: null, all: { user: "ada" } });
  });

  it("tells the app to load before reading metadata", async () => {
    const app = new Hono<{ Variables: SessionVariables<Data> }>();
    app.use(session<Data>({ secret: SECRET }));
    app.onError((err, c) => c.json({ code: (err as { code?: string }).code }, 500));
    app.get("/", (c) => c.text(c.var.session.id));
    expect(await (await app.request("/")).json()).toEqual({ code: "NOT_LOADED" });
  });
});

describe("key derivation", () => {
  it("derives keys once per isolate, even when the app builds the middleware on every request", async () => {
    const purpose = `per-request-${Math.random()}`; // a fresh cache entry for this test
    type AppEnv = { Bindings: { SECRET: string; IDLE: string } };
    const app = new Hono<AppEnv & { Variables: SessionVariables<Data> }>();
    app.use((c, next) => session<Data, AppEnv>({ secret: c.env.SECRET, purpose, idleTimeout: Number(c.env.IDLE) })(c, next));
    app.get("/", async (c) => {
      c.var.session.set("count", ((await c.var.session.get("count")) ?? 0) + 1);
      return c.text("ok");
    });
    const importKey = vi.spyOn(crypto.subtle, "importKey");
    try {
      const j = jar();
      for (let i = 0; i < 5; i++) j.take(await app.request("/", { headers: j.header() }, { SECRET, IDLE: "300" }));
      // One HKDF base key and one AES-GCM key, for the first request only.
      expect(importKey).toHaveBeenCalledTimes(2);
    } finally {
      importKey.mockRestore();
    }
  });
});

describe("key rotation", () => {
  it("reads a cookie sealed with a previous secret and re-seals it with the current one", async () => {
    const j = jar();
    await call(counterApp({ secret: OLD_SECRET }), "/inc", j);
    const oldCookie = j.value;
    const rotated = counterApp({ secret: [SECRET, OLD_SECRET] });
    const read = await call(rotated, "/read", j);
    expect(read.body).toMatchObject({ count: 1, isNew: false });
    expect(read.setCookie).toBeDefined(); // re-sealed although nothing changed
    expect(j.value).not.toBe(oldCookie);
    const onlyNew = await call(counterApp({ secret: SECRET }), "/read", j);
    expect(onlyNew.body).toMatchObject({ count: 1, isNew: false });
  });

  it("takes secrets from the context per request (Worker secret bindings)", async () => {
    const app = new Hono<{ Bindings: { SECRET: string }; Variables: SessionVariables<Data> }>();
    app.use(session<Data>({ secret: (c) => c.env.SECRET }));
    app.get("/", async (c) => {
      c.var.session.set("user", "ada");
      return c.text("ok");
    });
    const res = await app.request("/", {}, { SECRET });
    expect(res.headers.get("Set-Cookie")).toMatch(/^__Host-session=/);
    const weak = await app.request("/", {}, { SECRET: "short" });
    expect(weak.status).toBe(500);
    expect(await weak.text()).not.toContain("short");
  });
});

describe("refused cookies", () => {
  it.each([
    ["tampered", (v: string) => v.slice(0, -5) + (v.endsWith("AAAAA") ? "BBBBB" : "AAAAA"), "tampered"],
    ["truncated", (v: string) => v.slice(0, 40), "malformed"],
    ["garbage", () => "hello", "malformed"],
    ["oversized", () => "a".repeat(5000), "too-large"],
    ["unsealable characters", () => "%00%0d", "malformed"],
  ])("a %s cookie yields a fresh session, the reason, and an expired cookie", async (_, mutate, reason) => {
    const app = counterApp();
    const j = jar();
    await call(app, "/inc", j);
    j.value = mutate(j.value!);
    const { body, setCookie } = await call(app, "/read", j);
    expect(body).toMatchObject({ count: null, isNew: true, invalid: reason, expired: null });
    expect(setCookie).toMatch(/Max-Age=0/);
  });

  it("a cookie sealed with a secret that is not in the ring is unknown-key", async () => {
    const j = jar();
    await call(counterApp({ secret: OLD_SECRET }), "/inc", j);
    expect((await call(counterApp(), "/read", j)).body).toMatchObject({ isNew: true, invalid: "unknown-key" });
  });

  it("a cookie sealed for another purpose does not open (domain separation)", async () => {
    const j = jar();
    await call(counterApp({ purpose: "admin-app" }), "/inc", j);
    expect((await call(counterApp({ purpose: "shop-app" }), "/read", j)).body).toMatchObject({ isNew: true, invalid: "unknown-key" });
  });

  it("two cookies with the session name are both refused (no session fixation by cookie tossing)", async () => {
    const app = counterApp();
    const a = jar();
    await call(app, "/inc", a);
    const b = jar();
    await call(app, "/inc", b);
    const res = await app.request("/read", { headers: { Cookie: `__Host-session=${a.value}; __Host-session=${b.value}` } });
    expect(await res.json()).toMatchObject({ isNew: true, invalid: "duplicate", count: null });
  });

  it("a \\u00A0-padded cookie name is not the session cookie", async () => {
    const app = counterApp();
    const j = jar();
    await call(app, "/inc", j);
    const res = await app.request("/read", { headers: { Cookie: `\u00A0__Host-session=${j.value}` } });
    expect(await res.json()).toMatchObject({ isNew: true, invalid: null, count: null });
  });
});

describe("expiry enforced on the server", () => {
  it("refuses a session idle longer than idleTimeout and says why", async () => {
    const clock = testClock();
    const app = counterApp({ now: clock.now, idleTimeout: 300 });
    const j = jar();
    await call(app, "/inc", j);
    clock.advance(299);
    expect((await call(app, "/read", j)).body).toMatchObject({ count: 1, expired: null });
    clock.advance(302);
    const { body, setCookie } = await call(app, "/read", j);
    expect(body).toMatchObject({ count: null, isNew: true, expired: "idle" });
    expect(setCookie).toMatch(/Max-Age=600/); // the ended-session marker: the next page still reads why
    expect((await call(app, "/read", j)).body).toMatchObject({ count: null, isNew: true, expired: "idle" });
  });

  it("refuses a session older than absoluteTimeout however active it is", async () => {
    const clock = testClock();
    const app = counterApp({ now: clock.now, idleTimeout: 300, absoluteTimeout: 900 });
    const j = jar();
    for (let t = 0; t < 900; t += 200) {
      expect((await call(app, "/inc", j)).body.expired).toBeNull();
      clock.advance(200);
    }
    expect((await call(app, "/inc", j)).body).toMatchObject({ count: 1, expired: "absolute", isNew: true });
  });

  it("refuses a replayed old cookie even though the browser would still send it", async () => {
    const clock = testClock();
    const app = counterApp({ now: clock.now, idleTimeout: 300, lifetime: 86400 });
    const j = jar();
    await call(app, "/inc", j);
    const captured = j.value;
    clock.advance(600);
    j.value = captured;
    expect((await call(app, "/read", j)).body).toMatchObject({ expired: "idle", count: null });
  });

  it("bounds idle time by a persistent cookie's lifetime when no idleTimeout is set", async () => {
    const clock = testClock();
    const app = counterApp({ now: clock.now, lifetime: 3600 });
    const j = jar();
    await call(app, "/inc", j);
    clock.advance(3601);
    expect((await call(app, "/read", j)).body).toMatchObject({ expired: "idle" });
  });
});

describe("secondsLeft(): one deadline for idle and absolute limits", () => {
  it("counts down to whichever limit comes first, and is undefined without limits", async () => {
    const clock = testClock();
    const left = async (app: Hono<any>, j: ReturnType<typeof jar>) => {
      const res = await app.request("/left", { headers: j.header() });
      j.take(res);
      return ((await res.json()) as { left: number | null }).left;
    };
    const appWith = (options: Parameters<typeof session>[0]) => {
      const app = new Hono<{ Variables: SessionVariables<Data> }>();
      app.use(session<Data>({ now: clock.now, ...options }));
      app.get("/left", async (c) => {
        const s = await c.var.session.load();
        s.set("user", "a");
        return c.json({ left: s.secondsLeft() ?? null });
      });
      return app;
    };
    const both = appWith({ secret: SECRET, idleTimeout: 300, absoluteTimeout: 1000 });
    const j = jar();
    expect(await left(both, j)).toBe(300); // idle first
    for (let i = 0; i < 3; i++) {
      clock.advance(250);
      await left(both, j);
    }
    clock.advance(50);
    expect(await left(both, j)).toBe(200); // 800 s in: the absolute limit (1000) comes before idle (300)
    expect(await left(appWith({ secret: SECRET }), jar())).toBeNull();
  });
});

describe("rolling and touchAfter", () => {
  it("re-issues an unchanged session only when lastUsed is older than touchAfter", async () => {
    const clock = testClock();
    const app = counterApp({ now: clock.now, idleTimeout: 300, touchAfter: 60 });
    const j = jar();
    await call(app, "/inc", j);
    clock.advance(59);
    expect((await call(app, "/read", j)).setCookie).toBeUndefined();
    clock.advance(2);
    const touched = await call(app, "/read", j);
    expect(touched.setCookie).toBeDefined();
    clock.advance(298); // 359 s after creation, 298 s after the touch
    expect((await call(app, "/read", j)).body).toMatchObject({ count: 1, expired: null });
  });

  it("defaults touchAfter to a tenth of the idle timeout", async () => {
    const clock = testClock();
    const app = counterApp({ now: clock.now, idleTimeout: 300 });
    const j = jar();
    await call(app, "/inc", j);
    clock.advance(29);
    expect((await call(app, "/read", j)).setCookie).toBeUndefined();
    clock.advance(1);
    expect((await call(app, "/read", j)).setCookie).toBeDefined();
  });

  it("idle enforcement stays correct within touchAfter: the deadline counts from the last sealed use", async () => {
    const clock = testClock();
    const app = counterApp({ now: clock.now, idleTimeout: 300, touchAfter: 60 });
    const j = jar();
    await call(app, "/inc", j); // sealed lastUsed = t0
    clock.advance(50);
    const read = await call(app, "/read", j); // within touchAfter: not re-sealed
    expect(read.body.idleLeft).toBe(250);
    clock.advance(251);
    expect((await call(app, "/read", j)).body.expired).toBe("idle");
  });

  it("a polling request that calls skipRoll() never extends the idle timer", async () => {
    const clock = testClock();
    const app = counterApp({ now: clock.now, idleTimeout: 300, touchAfter: 10 });
    const j = jar();
    await call(app, "/inc", j);
    const left: number[] = [];
    for (let i = 0; i < 5; i++) {
      clock.advance(50);
      const { body, setCookie } = await call(app, "/poll", j);
      expect(setCookie).toBeUndefined();
      left.push(body.idleLeft!);
    }
    expect(left).toEqual([250, 200, 150, 100, 50]);
    clock.advance(51);
    expect((await call(app, "/read", j)).body.expired).toBe("idle");
  });

  it("shouldRoll(c) = false keeps lastUsed even when data changes", async () => {
    const clock = testClock();
    const app = counterApp({ now: clock.now, idleTimeout: 300, shouldRoll: (c) => !c.req.header("X-Poll") });
    const j = jar();
    await call(app, "/inc", j);
    clock.advance(200);
    const { setCookie } = await call(app, "/inc", j, { "X-Poll": "1" });
    expect(setCookie).toBeDefined(); // data changed: re-sealed
    clock.advance(101);
    expect((await call(app, "/read", j)).body).toMatchObject({ expired: "idle" });
  });

  it("reports metadata: created, lastUsed, lifetime", async () => {
    const clock = testClock();
    const app = counterApp({ now: clock.now, idleTimeout: 300, lifetime: 7200 });
    const j = jar();
    await call(app, "/inc", j);
    clock.advance(100);
    const { body } = await call(app, "/read", j); // touch due (default touchAfter 30 s): this request rolls
    expect(body.meta).toEqual({ id: body.id, created: clock.now() - 100_000, lastUsed: clock.now(), lifetime: 7200 });
    clock.advance(10);
    const within = await call(app, "/read", j); // within touchAfter: lastUsed stays at the last sealed use
    expect(within.body.meta.lastUsed).toBe(clock.now() - 10_000);
    expect(within.body.idleLeft).toBe(290);
  });
});

describe("regenerate, destroy, flash", () => {
  function authApp(options = {}) {
    const app = new Hono<{ Variables: SessionVariables<Data> }>();
    app.use(session<Data>({ secret: SECRET, ...options }));
    app.post("/login", async (c) => {
      const s = c.var.session;
      s.set("user", "ada");
      s.regenerate();
      s.flash("notice", "Welcome back");
      return c.json({ id: (await s.load()).id });
    });
    app.post("/logout", async (c) => {
      c.var.session.destroy();
      return c.text("bye");
    });
    app.post("/logout-with-flash", async (c) => {
      c.var.session.destroy();
      c.var.session.flash("notice", "Logged out");
      return c.text("bye");
    });
    app.get("/home", async (c) => {
      const s = await c.var.session.load();
      return c.json({ user: (await s.get("user")) ?? null, notice: (await s.takeFlash<string>("notice")) ?? null, id: s.id });
    });
    return app;
  }

  it("regenerate gives a new id and keeps the data", async () => {
    const app = counterApp();
    const j = jar();
    const before = (await call(app, "/inc", j)).body.id;
    const auth = authApp();
    const res = await auth.request("/login", { method: "POST", headers: j.header() });
    j.take(res);
    const { id } = (await res.json()) as { id: string };
    expect(id).not.toBe(before);
    const home = await call(auth, "/home", j);
    expect(home.body).toMatchObject({ id, user: "ada" });
  });

  it("a flash is readable exactly once, on the next request", async () => {
    const app = authApp();
    const j = jar();
    j.take(await app.request("/login", { method: "POST" }));
    const first = await call(app, "/home", j);
    expect(first.body).toMatchObject({ notice: "Welcome back", user: "ada" });
    expect(first.setCookie).toBeDefined(); // the flash is gone from the cookie
    expect((await call(app, "/home", j)).body).toMatchObject({ notice: null, user: "ada" });
  });

  it("destroy clears the data and expires the cookie", async () => {
    const app = authApp();
    const j = jar();
    j.take(await app.request("/login", { method: "POST" }));
    const res = await app.request("/logout", { method: "POST", headers: j.header() });
    expect(j.take(res)).toMatch(/^__Host-session=; Max-Age=0/);
    expect((await call(app, "/home", j)).body).toMatchObject({ user: null });
  });

  it("destroy then flash starts a new session holding only the flash", async () => {
    const app = authApp();
    const j = jar();
    j.take(await app.request("/login", { method: "POST" }));
    const oldId = (await call(app, "/home", j)).body.id;
    j.take(await app.request("/logout-with-flash", { method: "POST", headers: j.header() }));
    const { body } = await call(app, "/home", j);
    expect(body).toMatchObject({ user: null, notice: "Logged out" });
    expect(body.id).not.toBe(oldId);
  });
});

describe("flash and emptiness edge cases", () => {
  function flashApp(options = {}) {
    const app = new Hono<{ Variables: SessionVariables<Data> }>();
    app.use(session<Data>({ secret: SECRET, ...options }));
    app.post("/send", (c) => {
      c.var.session.set("user", "ada");
      c.var.session.flash("notice", "Transfer sent");
      return c.text("ok");
    });
    app.get("/poll", async (c) => {
      c.var.session.skipRoll();
      return c.json({ user: (await c.var.session.get("user")) ?? null });
    });
    app.get("/page", async (c) => c.json({ notice: (await c.var.session.takeFlash("notice")) ?? null }));
    app.get("/other", async (c) => c.json({ user: (await c.var.session.get("user")) ?? null }));
    app.post("/clear", (c) => {
      c.var.session.clear();
      return c.text("ok");
    });
    return app;
  }

  it("a polling request that does not roll never eats a flash meant for the next page", async () => {
    const app = flashApp();
    const j = jar();
    j.take(await app.request("/send", { method: "POST" }));
    for (let i = 0; i < 3; i++) j.take(await app.request("/poll", { headers: j.header() }));
    expect(await (await app.request("/page", { headers: j.header() })).json()).toEqual({ notice: "Transfer sent" });
  });

  it("a rolling request that loads the session but leaves the flash drops it (one request only)", async () => {
    const app = flashApp();
    const j = jar();
    j.take(await app.request("/send", { method: "POST" }));
    const other = await app.request("/other", { headers: j.header() });
    expect(j.take(other)).toBeDefined();
    expect(await (await app.request("/page", { headers: j.header() })).json()).toEqual({ notice: null });
  });

  it("a session the app empties ends: its cookie is expired rather than kept empty", async () => {
    const app = flashApp();
    const j = jar();
    j.take(await app.request("/send", { method: "POST" }));
    j.take(await app.request("/page", { headers: j.header() })); // flash taken, user remains
    expect(j.value).toBeDefined();
    const cleared = await app.request("/clear", { method: "POST", headers: j.header() });
    expect(j.take(cleared)).toMatch(/^__Host-session=; Max-Age=0/);
    expect(j.value).toBeUndefined();
  });

  it("reports lastUsed in whole seconds, as sealed, so a countdown is never later than the server", async () => {
    const clock = testClock(Date.UTC(2026, 10, 24, 9, 0, 0) + 900);
    const app = counterApp({ now: clock.now, idleTimeout: 300 });
    const j = jar();
    await call(app, "/inc", j);
    const { body } = await call(app, "/read", j);
    expect(body.meta.lastUsed % 1000).toBe(0);
    expect(body.meta.created).toBe(body.meta.lastUsed);
    expect(body.idleLeft).toBe(299); // 0.9 s of the 300 are already gone on the server's clock
    clock.advance(body.idleLeft! + 1);
    expect((await call(app, "/read", j)).body.expired).toBe("idle");
  });
});

describe("failure handling", () => {
  it("a handler that throws leaves the cookie as it was (no half-written session)", async () => {
    const app = new Hono<{ Variables: SessionVariables<Data> }>();
    app.use(session<Data>({ secret: SECRET }));
    app.get("/boom", (c) => {
      c.var.session.set("user", "mallory");
      throw new Error("boom");
    });
    app.onError((_, c) => c.text("failed", 500));
    const res = await app.request("/boom");
    expect(res.status).toBe(500);
    expect(res.headers.get("Set-Cookie")).toBeNull();
  });

  it("an early return still carries the session cookie", async () => {
    const app = new Hono<{ Variables: SessionVariables<Data> }>();
    app.use(session<Data>({ secret: SECRET }));
    app.use(async (c, next) => {
      c.var.session.set("user", "guest");
      if (c.req.query("early")) return c.redirect("/elsewhere");
      return next();
    });
    app.get("/", (c) => c.text("late"));
    const res = await app.request("/?early=1");
    expect(res.status).toBe(302);
    expect(res.headers.get("Set-Cookie")).toMatch(/^__Host-session=/);
  });

  it("a session too large for a cookie raises SessionTooLargeError and leaves the previous cookie", async () => {
    const app = counterApp();
    app.get("/big", (c) => {
      c.var.session.set("big", "x".repeat(4000));
      return c.text("ok");
    });
    let caught: unknown;
    app.onError((err, c) => {
      caught = err;
      return c.text("too large", 500);
    });
    const j = jar();
    await call(app, "/inc", j);
    const before = j.value;
    const { res, setCookie } = await call(app, "/big", j);
    expect(res.status).toBe(500);
    expect(caught).toBeInstanceOf(SessionTooLargeError);
    expect((caught as SessionTooLargeError).code).toBe("TOO_LARGE");
    expect(setCookie).toBeUndefined();
    expect(j.value).toBe(before);
    expect((await call(app, "/read", j)).body.count).toBe(1);
  });

  it("fits the largest payload whose Set-Cookie line is within 4096 bytes and refuses one byte more", async () => {
    const clock = testClock();
    const keys = await createKeyring(SECRET, { purpose: "__Host-session" });
    const meta = { id: "AAAAAAAAAAAAAAAAAAAAAA", created: clock.now(), lastUsed: clock.now(), lifetime: 0 };
    let n = 2800;
    // The whole line: "__Host-session=", the value and "; Path=/; HttpOnly; Secure; SameSite=Lax" (cookie.maxLineBytes).
    while ((await sealSession({ data: { big: "x".repeat(n + 1) }, meta }, keys)).length + 55 <= 4096) n++;
    const app = counterApp({ now: clock.now });
    app.get("/size/:n", (c) => {
      c.var.session.set("big", "x".repeat(Number(c.req.param("n"))));
      return c.text("ok");
    });
    const fits = await app.request(`/size/${n}`);
    const raw = fits.headers.get("Set-Cookie")!;
    expect(raw.length).toBeLessThanOrEqual(4096);
    expect((await app.request(`/size/${n + 1}`)).status).toBe(500);
  });
});

describe("configuration", () => {
  it.each([
    ["a weak secret", { secret: "short" }],
    ["a negative idle timeout", { secret: SECRET, idleTimeout: -1 }],
    ["a fractional lifetime", { secret: SECRET, lifetime: 1.5 }],
    ["a __Host- cookie with a domain", { secret: SECRET, cookie: { domain: "example.com" } }],
  ])("rejects %s at start-up", (_, options) => {
    expect(() => session(options as never)).toThrow(SessionConfigError);
  });
});

describe("prototype safety", () => {
  it("keeps __proto__ and constructor as plain data keys", async () => {
    const app = new Hono<{ Variables: SessionVariables<Record<string, unknown>> }>();
    app.use(session({ secret: SECRET }));
    app.get("/set", (c) => {
      c.var.session.set("__proto__", { polluted: true });
      c.var.session.set("constructor", "x");
      return c.text("ok");
    });
    app.get("/get", async (c) => {
      const all = await c.var.session.all();
      return c.json({ proto: await c.var.session.get("__proto__"), keys: Object.keys(all), polluted: ({} as any).polluted ?? null });
    });
    const j = jar();
    j.take(await app.request("/set"));
    const body = await (await app.request("/get", { headers: j.header() })).json();
    expect(body).toEqual({ proto: { polluted: true }, keys: ["__proto__", "constructor"], polluted: null });
  });
});
