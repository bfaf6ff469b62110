import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import {
  createKeyring,
  MemoryStore,
  session,
  sessionEngine,
  SessionConfigError,
  type SessionEvent,
  type SessionOptions,
  type SessionVariables,
} from "../src/index.js";
import { eventSender } from "../src/core/events.js";
import { linkSession, revokeAllSessions } from "../src/durable-object/users.js";
import { freshId } from "./do-helpers.js";
import { executionContext, jar, OLD_SECRET, SECRET, testClock, type Data } from "./helpers.js";
import { FaultyStore } from "./stores.js";

/** An app with login (regenerate + authenticate), logout and a counter, recording every event it is sent. */
function auditedApp(options: Partial<SessionOptions> = {}) {
  const events: SessionEvent[] = [];
  const app = new Hono<{ Variables: SessionVariables<Data> }>();
  app.use(session<Data>({ secret: SECRET, onEvent: (event) => void events.push(event), ...options }));
  app.post("/login", async (c) => {
    const s = await c.var.session.load();
    s.regenerate();
    s.authenticate();
    s.set("user", "ada");
    return c.text("in");
  });
  app.post("/logout", (c) => {
    c.var.session.destroy();
    return c.text("out");
  });
  app.post("/empty", (c) => {
    c.var.session.clear();
    return c.text("emptied");
  });
  app.post("/relogin", async (c) => {
    const s = await c.var.session.load();
    s.destroy();
    s.set("user", "bob");
    return c.text("swapped");
  });
  app.get("/inc", async (c) => {
    const s = c.var.session;
    s.set("count", ((await s.get("count")) ?? 0) + 1);
    return c.text("ok");
  });
  app.get("/read", async (c) => c.json({ count: (await c.var.session.get("count")) ?? null }));
  return { app, events };
}

/** One request through `app` with a recording execution context; resolves once every event is delivered. */
async function send(app: Hono<any>, path: string, j: ReturnType<typeof jar>, method = "GET") {
  const exec = executionContext();
  const res = await app.request(path, { method, headers: j.header() }, {}, exec.ctx);
  j.take(res);
  await exec.settled();
  return res;
}

const TAG = /^[A-Za-z0-9_-]{22}$/;

describe("onEvent: audit events", () => {
  it("reports created, regenerated, authenticated and destroyed, tagging the session with a keyed hash of its id", async () => {
    const { app, events } = auditedApp();
    const j = jar();
    await send(app, "/inc", j);
    await send(app, "/login", j, "POST");
    await send(app, "/inc", j); // an ordinary request reports nothing
    await send(app, "/logout", j, "POST");
    expect(events.map((e) => e.type)).toEqual(["created", "regenerated", "authenticated", "destroyed"]);
    const [created, regenerated, authenticated, destroyed] = events as [any, any, any, any];
    expect(created.session).toMatch(TAG);
    expect(regenerated.previous).toBe(created.session);
    expect(regenerated.session).not.toBe(created.session);
    expect(authenticated.session).toBe(regenerated.session);
    expect(destroyed.session).toBe(regenerated.session);
    for (const event of events) expect(event.at).toBe(Math.floor(event.at)); // the request's time
  });

  it("never carries the session id, its data or the cookie: the tag is HMAC-SHA-256 of the id under a key of the secret", async () => {
    const { app, events } = auditedApp();
    const j = jar();
    const ids: string[] = [];
    app.get("/id", async (c) => c.text((await c.var.session.load()).id));
    await send(app, "/login", j, "POST");
    ids.push(await (await send(app, "/id", j)).text());
    const text = JSON.stringify(events);
    expect(text).not.toContain(ids[0]);
    expect(text).not.toContain("ada");
    expect(text).not.toContain(j.value!.slice(0, 40));
    const keys = await createKeyring(SECRET, { purpose: "__Host-session" });
    expect(events.at(-1)).toMatchObject({ type: "authenticated", session: await keys.tag(ids[0]!) });
    // Another secret gives another tag: nobody without the secret computes it.
    const other = await createKeyring(OLD_SECRET, { purpose: "__Host-session" });
    expect(await other.tag(ids[0]!)).not.toBe(await keys.tag(ids[0]!));
  });

  it("reports a session the app emptied as destroyed, and destroy() followed by new data as destroyed + created", async () => {
    const { app, events } = auditedApp();
    const j = jar();
    await send(app, "/inc", j);
    await send(app, "/empty", j, "POST");
    expect(events.map((e) => e.type)).toEqual(["created", "destroyed"]);
    events.length = 0;
    await send(app, "/inc", j);
    await send(app, "/relogin", j, "POST");
    expect(events.map((e) => e.type)).toEqual(["created", "destroyed", "created"]);
    expect((events[1] as any).session).toBe((events[0] as any).session);
    expect((events[2] as any).session).not.toBe((events[0] as any).session);
  });

  it.each([
    ["idle", { idleTimeout: 60 }, 61],
    ["absolute", { idleTimeout: 600, absoluteTimeout: 900 }, 901],
  ] as const)(
    "reports a cookie refused for its age as expired (%s), with the tag of the session it held",
    async (reason, limits, after) => {
      const clock = testClock();
      const { app, events } = auditedApp({ ...limits, touchAfter: 0, now: clock.now });
      const j = jar();
      await send(app, "/inc", j);
      for (let t = 0; t + 500 < after && reason === "absolute"; t += 500) {
        clock.advance(500);
        await send(app, "/inc", j); // keeps it from idling out: only the absolute limit ends it
      }
      clock.advance(after - (reason === "absolute" ? 500 : 0));
      await send(app, "/read", j);
      const expired = events.find((e) => e.type === "expired");
      expect(expired).toEqual({ type: "expired", session: (events[0] as any).session, reason, at: clock.now() });
    },
  );

  it("reports a refused cookie as invalid with its reason, naming no session when it did not open", async () => {
    const { app, events } = auditedApp();
    const j = jar();
    await send(app, "/inc", j);
    const value = j.value!;
    j.value = `${value.slice(0, -2)}${value.at(-2) === "A" ? "B" : "A"}${value.at(-1)}`; // tampered tag
    await send(app, "/read", j);
    expect(events.at(-1)).toEqual({ type: "invalid", reason: "tampered", at: expect.any(Number) });
    const res = await app.request("/read", { headers: { Cookie: "__Host-session=a; __Host-session=b" } });
    expect(res.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 0)); // no waitUntil here: the delivery runs on its own
    expect(events.at(-1)).toMatchObject({ type: "invalid", reason: "duplicate" });
  });

  it("reports a session sealed with a previous secret and sealed again with the current one as rotated-key", async () => {
    const before = auditedApp();
    const j = jar();
    await send(before.app, "/inc", j);
    const { app, events } = auditedApp({ secret: [OLD_SECRET, SECRET] });
    await send(app, "/inc", j);
    expect(events.map((e) => e.type)).toEqual(["rotated-key"]);
    // The tag is under the current secret: it is the one the new secret gives, not the one the old one gave.
    expect((events[0] as any).session).not.toBe((before.events[0] as any).session);
  });

  it("reports a store failure with its operation; the request still fails with 503", async () => {
    const store = new FaultyStore(new MemoryStore());
    const { app, events } = auditedApp({ store });
    const j = jar();
    await send(app, "/inc", j);
    store.fail("get");
    expect((await send(app, "/read", j)).status).toBe(503);
    store.heal().fail("set");
    expect((await send(app, "/inc", j)).status).toBe(503);
    expect(events.filter((e) => e.type === "store-failure")).toEqual([
      { type: "store-failure", operation: "get", at: expect.any(Number) },
      { type: "store-failure", operation: "set", at: expect.any(Number) },
    ]);
  });

  it("reports the cookie of a revoked session as revoked", async () => {
    const namespace = env.SESSION_OBJECTS;
    const { app, events } = auditedApp({ revocation: { namespace }, idleTimeout: 600 });
    const user = `rita-${freshId()}`;
    app.post("/link", async (c) => {
      await linkSession(namespace, await c.var.session.load(), user);
      return c.text("linked");
    });
    const j = jar();
    await send(app, "/login", j, "POST");
    await send(app, "/link", j, "POST");
    await revokeAllSessions(namespace, user);
    await send(app, "/read", j);
    expect(events.at(-1)).toEqual({ type: "revoked", at: expect.any(Number) });
  });

  it("delivers through waitUntil without delaying the response: a handler that never settles holds nothing up", async () => {
    const exec = executionContext();
    const app = new Hono<{ Variables: SessionVariables<Data> }>();
    app.use(session<Data>({ secret: SECRET, onEvent: () => new Promise<void>(() => {}) }));
    app.get("/", (c) => {
      c.var.session.set("count", 1);
      return c.text("ok");
    });
    const res = await app.request("/", {}, {}, exec.ctx);
    expect(await res.text()).toBe("ok");
    expect(res.headers.getSetCookie()).toHaveLength(1);
    expect(exec.pending).toHaveLength(1); // the delivery was handed to waitUntil
  });

  it.each([
    [
      "throws",
      () => {
        throw new Error("sink down");
      },
    ],
    ["rejects", () => Promise.reject(new Error("sink down"))],
  ])("a handler that %s never breaks the request", async (_how, onEvent) => {
    const exec = executionContext();
    const app = new Hono<{ Variables: SessionVariables<Data> }>();
    app.use(session<Data>({ secret: SECRET, onEvent }));
    app.get("/", (c) => {
      c.var.session.set("count", 1);
      return c.text("ok");
    });
    const res = await app.request("/", {}, {}, exec.ctx);
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()).toHaveLength(1);
    await expect(exec.settled()).resolves.toBeDefined(); // swallowed, after one log line
  });

  it("the engine takes waitUntil per request and hands the handler the request's context", async () => {
    const seen: [string, unknown][] = [];
    const engine = sessionEngine<Data, { tenant: string }>({
      secret: SECRET,
      onEvent: (event, context) => void seen.push([event.type, context]),
    });
    const exec = executionContext();
    const request = engine.start(new Headers(), { tenant: "t1" }, { waitUntil: exec.ctx.waitUntil });
    request.session.set("count", 1);
    await request.commit();
    await exec.settled();
    expect(seen).toEqual([["created", { tenant: "t1" }]]);
  });

  it("a revoked raw event carries no session; the sender survives a waitUntil that throws", async () => {
    const got: SessionEvent[] = [];
    let delivery: Promise<unknown> | undefined;
    const send = eventSender(
      (e) => void got.push(e),
      5000,
      () => createKeyring(SECRET),
      undefined,
      (p) => {
        delivery = p;
        throw new Error("outside a request");
      },
    );
    send({ type: "invalid", reason: "revoked" });
    await delivery;
    expect(got).toEqual([{ type: "revoked", at: 5000 }]);
  });

  it("refuses an onEvent that is not a function", () => {
    expect(() => session({ secret: SECRET, onEvent: "log" as never })).toThrow(SessionConfigError);
  });
});
