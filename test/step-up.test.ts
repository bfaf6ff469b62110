import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import {
  createKeyring,
  DurableObjectStore,
  MemoryStore,
  newSessionId,
  requireRecentAuth,
  sealSession,
  session,
  SessionConfigError,
  SessionStepUpRequiredError,
  unsealSession,
  type SessionOptions,
  type SessionVariables,
} from "../src/index.js";
import { rebase } from "../src/modes/rebase.js";
import { seal } from "../src/crypto/seal.js";
import { jar, OLD_SECRET, SECRET, testClock, type Data } from "./helpers.js";
import { kvStore } from "./stores.js";

const COOKIE = "__Host-session";

/** A bank-like app: login authenticates, /confirm re-authenticates, /transfer needs a step-up within 300 s. */
function stepUpApp(options: Partial<SessionOptions> = {}) {
  const app = new Hono<{ Variables: SessionVariables<Data> }>();
  app.use(session<Data>({ secret: SECRET, idleTimeout: 900, ...options }));
  app.post("/login", async (c) => {
    const s = await c.var.session.load();
    s.regenerate();
    s.authenticate();
    s.set("user", "ada");
    return c.text("in");
  });
  app.post("/visit", async (c) => {
    c.var.session.set("user", "anonymous-cart");
    return c.text("visited");
  });
  app.post("/confirm", (c) => {
    c.var.session.authenticate();
    return c.text("confirmed");
  });
  app.post("/handover", async (c) => {
    (await c.var.session.load()).regenerate({ keepAuthentication: false });
    return c.text("handed over");
  });
  app.post("/regenerate", async (c) => {
    (await c.var.session.load()).regenerate();
    return c.text("regenerated");
  });
  app.post("/logout-login", async (c) => {
    const s = await c.var.session.load();
    s.destroy();
    s.set("user", "bob");
    return c.text("swapped");
  });
  app.get("/status", async (c) => {
    c.var.session.skipRoll();
    const s = await c.var.session.load();
    return c.json({ ago: s.authenticatedAgo() ?? null, left: s.secondsLeft() ?? null, meta: s.meta });
  });
  app.post("/transfer", requireRecentAuth(300), (c) => c.text("sent"));
  app.onError((error, c) =>
    error instanceof SessionStepUpRequiredError
      ? c.json({ code: error.code, ago: error.authenticatedAgo ?? null }, 401)
      : c.text(String(error), 500),
  );
  return app;
}

async function call(app: Hono<any>, path: string, j: ReturnType<typeof jar>, method = "POST") {
  const res = await app.request(path, { method, headers: j.header() });
  j.take(res);
  return res;
}

const statusOf = async (app: Hono<any>, j: ReturnType<typeof jar>) =>
  (await (await call(app, "/status", j, "GET")).json()) as { ago: number | null; left: number | null; meta: Record<string, unknown> };

describe.each([
  ["cookie mode", {}],
  ["cookie mode with overflow", { overflow: kvStore() }],
  ["server-side mode (memory store)", { store: new MemoryStore() }],
  ["server-side mode (Durable Object store)", { store: new DurableObjectStore(env.SESSION_OBJECTS) }],
] as const)("step-up in %s", (_name, mode) => {
  it("authenticate() is sealed; requireRecentAuth lets a recent one through and refuses a stale one until the user confirms again", async () => {
    const clock = testClock();
    const app = stepUpApp({ ...mode, now: clock.now });
    const j = jar();
    await call(app, "/login", j);
    clock.advance(120);
    expect((await statusOf(app, j)).ago).toBe(120);
    expect(await (await call(app, "/transfer", j)).text()).toBe("sent");
    clock.advance(181); // 301 s after login
    const refused = await call(app, "/transfer", j);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ code: "STEP_UP_REQUIRED", ago: 301 });
    await call(app, "/confirm", j);
    expect(await (await call(app, "/transfer", j)).text()).toBe("sent");
  });

  it("a session that never authenticated is refused, with authenticatedAgo undefined", async () => {
    const app = stepUpApp(mode);
    const j = jar();
    await call(app, "/visit", j);
    expect((await statusOf(app, j)).ago).toBeNull();
    const refused = await call(app, "/transfer", j);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ code: "STEP_UP_REQUIRED", ago: null });
  });

  it("is kept across regenerate(), dropped by regenerate({ keepAuthentication: false }) and by destroy()", async () => {
    const clock = testClock();
    const app = stepUpApp({ ...mode, now: clock.now });
    const j = jar();
    await call(app, "/login", j);
    clock.advance(10);
    await call(app, "/regenerate", j);
    expect((await statusOf(app, j)).ago).toBe(10);
    await call(app, "/handover", j);
    expect((await statusOf(app, j)).ago).toBeNull();
    await call(app, "/confirm", j);
    expect((await statusOf(app, j)).ago).toBe(0);
    await call(app, "/logout-login", j);
    expect((await statusOf(app, j)).ago).toBeNull();
  });
});

describe("step-up never moves the session's deadlines", () => {
  it("authenticate() on a request that does not roll leaves lastUsed and the idle deadline where they were", async () => {
    const clock = testClock();
    const app = stepUpApp({ now: clock.now, idleTimeout: 900, absoluteTimeout: 3600 });
    app.post("/confirm-quietly", (c) => {
      c.var.session.skipRoll();
      c.var.session.authenticate();
      return c.text("confirmed");
    });
    const j = jar();
    await call(app, "/login", j);
    clock.advance(600);
    const before = await statusOf(app, j);
    await call(app, "/confirm-quietly", j);
    const after = await statusOf(app, j);
    expect(after.ago).toBe(0);
    expect(after.meta.lastUsed).toBe(before.meta.lastUsed);
    expect(after.left).toBe(before.left);
  });

  it("a recent step-up does not keep an idle or absolute-expired session alive", async () => {
    const clock = testClock();
    const app = stepUpApp({ now: clock.now, idleTimeout: 600, absoluteTimeout: 1000 });
    const j = jar();
    await call(app, "/login", j);
    clock.advance(500);
    await call(app, "/confirm", j);
    clock.advance(501); // 1001 s after creation: past the absolute limit, 501 s after the step-up
    const res = await call(app, "/transfer", j);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ code: "STEP_UP_REQUIRED", ago: null }); // a fresh session: nothing to step up from
  });

  it("requireRecentAuth writes nothing: a passing check on an unchanged session sets no cookie", async () => {
    const clock = testClock();
    const app = stepUpApp({ now: clock.now, touchAfter: 60 });
    const j = jar();
    await call(app, "/login", j);
    clock.advance(30);
    const res = await call(app, "/transfer", j);
    expect(await res.text()).toBe("sent");
    expect(res.headers.getSetCookie()).toEqual([]);
  });
});

describe("step-up catalogue: forged, replayed and malformed authentication times", () => {
  const keysOf = () => createKeyring(SECRET, { purpose: COOKIE });

  it("a replayed cookie keeps the time it was sealed with: a capture from login cannot pass a later step-up", async () => {
    const clock = testClock();
    const app = stepUpApp({ now: clock.now });
    const j = jar();
    await call(app, "/login", j);
    const captured = j.value;
    clock.advance(400);
    await call(app, "/confirm", j); // the real user steps up; the attacker holds the login cookie
    const replay = jar();
    replay.value = captured;
    expect((await call(app, "/transfer", replay)).status).toBe(401);
    expect((await call(app, "/transfer", j)).status).toBe(200);
  });

  it("an envelope claiming a recent step-up but sealed with another secret does not open", async () => {
    const clock = testClock();
    const app = stepUpApp({ now: clock.now });
    const t = clock.now();
    const forged = await sealSession(
      { data: { user: "ada" }, meta: { id: newSessionId(), created: t, lastUsed: t, lifetime: 0, authenticatedAt: t } },
      await createKeyring(OLD_SECRET, { purpose: COOKIE }),
    );
    const j = jar();
    j.value = forged;
    expect((await statusOf(app, j)).ago).toBeNull();
    expect((await call(app, "/transfer", j)).status).toBe(401);
  });

  it("an authentication time beyond the clock skew is refused as a session from the future", async () => {
    const clock = testClock();
    const t = clock.now();
    const token = await sealSession(
      { data: { user: "ada" }, meta: { id: newSessionId(), created: t, lastUsed: t, lifetime: 0, authenticatedAt: t + 3600_000 } },
      await keysOf(),
    );
    expect(await unsealSession(token, await keysOf(), { now: t })).toEqual({ ok: false, reason: "future" });
    const app = stepUpApp({ now: clock.now });
    app.get("/invalid", async (c) => c.text(String((await c.var.session.load()).invalid)));
    const j = jar();
    j.value = token;
    expect(await (await call(app, "/invalid", j, "GET")).text()).toBe("future");
  });

  it.each([
    ["a string", "1700000000"],
    ["a negative number", -1],
    ["a fraction", 1.5],
    ["null", null],
  ])("a sealed envelope whose authentication time is %s is not a session", async (_what, a) => {
    const keys = await keysOf();
    const t = Math.floor(testClock().now() / 1000);
    const wire = { i: newSessionId(), c: t, u: t, l: 0, d: { user: "ada" }, a };
    const token = await seal(new TextEncoder().encode(JSON.stringify(wire)), keys);
    expect(await unsealSession(token, keys, { now: t * 1000 })).toEqual({ ok: false, reason: "not-a-session" });
  });

  it("an envelope without the member opens with the time unknown (sealed by a version without step-up)", async () => {
    const keys = await keysOf();
    const t = Math.floor(testClock().now() / 1000);
    const token = await seal(new TextEncoder().encode(JSON.stringify({ i: newSessionId(), c: t, u: t, l: 0, d: { user: "ada" } })), keys);
    const opened = await unsealSession(token, keys, { now: t * 1000 });
    expect(opened.ok && opened.meta).toEqual({ id: expect.any(String), created: t * 1000, lastUsed: t * 1000, lifetime: 0 });
    expect(opened.ok && "authenticatedAt" in opened.meta).toBe(false);
  });

  it("the time is sealed as whole seconds in member a, after the members older versions read", async () => {
    const keys = await keysOf();
    const t = testClock().now();
    const token = await sealSession(
      { data: {}, meta: { id: newSessionId(), created: t, lastUsed: t, lifetime: 0, authenticatedAt: t + 1500 } },
      keys,
    );
    const opened = await unsealSession(token, keys, { now: t + 2000 });
    expect(opened.ok && opened.meta.authenticatedAt).toBe(t + 1000);
  });

  it("sealSession refuses an authentication time that is not whole ms since epoch", async () => {
    const t = testClock().now();
    for (const authenticatedAt of [-1, 1.5, "now", Number.NaN]) {
      await expect(
        sealSession(
          { data: {}, meta: { id: newSessionId(), created: t, lastUsed: t, lifetime: 0, authenticatedAt: authenticatedAt as number } },
          await keysOf(),
        ),
      ).rejects.toThrow(/envelope\.meta\.authenticatedAt/);
    }
  });
});

describe("step-up API edges", () => {
  it.each([[-1], [1.5], ["300"], [Number.NaN]])("requireRecentAuth(%s) is a configuration error", (seconds) => {
    expect(() => requireRecentAuth(seconds as number)).toThrow(SessionConfigError);
  });

  it("requireRecentAuth without the session middleware is a configuration error, not a TypeError", async () => {
    const app = new Hono().post("/transfer", requireRecentAuth(60) as never, (c) => c.text("sent"));
    let caught: unknown;
    app.onError((error, c) => {
      caught = error;
      return c.text("error", 500);
    });
    await app.request("/transfer", { method: "POST" });
    expect(caught).toBeInstanceOf(SessionConfigError);
  });

  it("regenerate() with something other than an options object is a configuration error", async () => {
    const app = stepUpApp();
    app.post("/bad", (c) => {
      c.var.session.regenerate("yes" as never);
      return c.text("no");
    });
    let caught: unknown;
    app.onError((error, c) => {
      caught = error;
      return c.text("error", 500);
    });
    await app.request("/bad", { method: "POST" });
    expect(caught).toBeInstanceOf(SessionConfigError);
  });

  it("a versioned rebase keeps this request's step-up over the other request's older one", () => {
    const meta = { id: newSessionId(), created: 1000, lastUsed: 1000, lifetime: 0 };
    const base = { data: {}, meta };
    const latest = { data: { other: 1 }, meta: { ...meta, lastUsed: 2000, authenticatedAt: 1000 } };
    const ours = { data: {}, flash: undefined, lastUsed: 3000, changedKeys: new Set<string>(), cleared: false, authenticatedAt: 3000 };
    expect(rebase(base, latest, ours).envelope.meta.authenticatedAt).toBe(3000);
    const { authenticatedAt: _mine, ...untouched } = ours;
    expect(rebase(base, latest, untouched).envelope.meta.authenticatedAt).toBe(1000);
  });
});
