/**
 * `sizeWarning`: a `size` event when a written session passes a share of its budget, in every mode, through
 * the engine and Hono: once per session while it stays above, with the names (never the values) of its
 * largest keys.
 */
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { writeLimit } from "../src/core/chunks.js";
import { resolveCookie } from "../src/core/cookie.js";
import type { RawEvent } from "../src/core/events.js";
import { sizeProbe, sizeWatchOf } from "../src/core/size-warning.js";
import {
  DurableObjectStore,
  KVStore,
  MemoryStore,
  session,
  sessionEngine,
  SessionConfigError,
  type SessionEngineOptions,
  type SessionEvent,
  type SessionVariables,
} from "../src/index.js";
import { d1Store } from "./d1-helpers.js";
import { SECRET } from "./helpers.js";

type Data = Record<string, string>;

/** The Cookie header a browser sends after these Set-Cookie lines. */
function cookieHeader(lines: string[], before = ""): string {
  const jar = new Map(before ? before.split("; ").map((pair) => [pair.slice(0, pair.indexOf("=")), pair] as const) : []);
  for (const line of lines) {
    const pair = line.slice(0, line.indexOf(";"));
    const name = pair.slice(0, pair.indexOf("="));
    if (line.includes("Max-Age=0;")) jar.delete(name);
    else jar.set(name, pair);
  }
  return [...jar.values()].join("; ");
}

/** An engine whose events are collected; `request` writes `data` (or only reads) and carries the cookies on. */
function engineWith(options: Partial<SessionEngineOptions>) {
  const events: SessionEvent[] = [];
  const engine = sessionEngine<Data>({ secret: SECRET, onEvent: (event) => void events.push(event), ...options });
  let cookie = "";
  return {
    events,
    sizes: () => events.filter((event) => event.type === "size"),
    async request(data?: Data) {
      const pending: Promise<unknown>[] = [];
      const request = engine.start(new Headers(cookie ? { Cookie: cookie } : {}), undefined, { waitUntil: (p) => void pending.push(p) });
      await request.session.load();
      if (data) for (const [key, value] of Object.entries(data)) request.session.set(key, value);
      const lines = await request.commit();
      cookie = cookieHeader(lines, cookie);
      await Promise.all(pending);
      return lines;
    },
  };
}

const cookieBudget = writeLimit(resolveCookie(), 0);

describe("sizeWarning: the option", () => {
  it("takes a share above 0 and at most 1, or false; anything else is refused at start-up", () => {
    for (const good of [0.01, 0.75, 1, false as const, undefined])
      expect(() => sessionEngine({ secret: SECRET, sizeWarning: good })).not.toThrow();
    for (const bad of [0, -0.5, 1.01, Number.NaN, "0.75", true, null]) {
      expect(() => sessionEngine({ secret: SECRET, sizeWarning: bad as number })).toThrow(SessionConfigError);
    }
  });
});

describe("sizeWarning: what an isolate remembers", () => {
  it("at most 1000 sessions: past that it starts again, and a session may be reported twice", () => {
    const watch = sizeWatchOf(undefined)!;
    const sent: RawEvent[] = [];
    const write = (id: string) => {
      const probe = sizeProbe(watch);
      probe.measure(900, 1000);
      probe.report(id, { k: "v" }, (event) => void sent.push(event));
    };
    for (let k = 0; k < 1000; k++) write(`s${k}`);
    write("s0");
    expect(sent).toHaveLength(1000); // s0 is still remembered
    expect(watch.warned.size).toBe(1000);
    write("s1000"); // the set is full: it starts again
    expect(watch.warned.size).toBe(1);
    write("s0");
    expect(sent).toHaveLength(1002);
    expect(sent[0]).toEqual({ type: "size", id: "s0", share: 0.9, bytes: 900, limit: 1000, largest: ["k"] });
  });

  it("a request that wrote nothing measured reports nothing", () => {
    const sent: RawEvent[] = [];
    sizeProbe(sizeWatchOf(0.5)!).report("s", { k: "v" }, (event) => void sent.push(event));
    expect(sent).toEqual([]);
  });
});

describe("sizeWarning: cookie mode", () => {
  it("sends one size event when the session passes 75% of the cookie, naming its 3 largest keys, never values", async () => {
    const app = engineWith({});
    await app.request({ small: "s".repeat(100) });
    expect(app.sizes()).toEqual([]); // far below: nothing
    await app.request({ notes: "n".repeat(900), cart: "c".repeat(500), prefs: "p".repeat(250), tiny: "t" });
    expect(app.sizes()).toEqual([]); // still below three quarters
    await app.request({ notes: "n".repeat(1600) });
    const [event] = app.sizes();
    expect(event).toEqual({
      type: "size",
      session: expect.stringMatching(/^[\w-]{22}$/),
      share: expect.any(Number),
      bytes: expect.any(Number),
      limit: cookieBudget,
      largest: ["notes", "cart", "prefs"],
      at: expect.any(Number),
    });
    const size = event as Extract<SessionEvent, { type: "size" }>;
    expect(size.share).toBeGreaterThanOrEqual(0.75);
    expect(size.share).toBeLessThanOrEqual(1);
    expect(size.bytes / size.limit).toBeCloseTo(size.share, 2);
    expect(JSON.stringify(event)).not.toMatch(/nnnn|cccc/); // names only
    expect(app.events.find((e) => e.type === "created")).toMatchObject({ session: size.session });
  });

  it("is sent once while the session stays above, and again after it fell below and crossed anew", async () => {
    const app = engineWith({});
    await app.request({ big: "b".repeat(2500) });
    await app.request({ more: "m" });
    await app.request({ more: "mm" });
    expect(app.sizes()).toHaveLength(1);
    await app.request({ big: "b" }); // below again
    await app.request({ big: "b".repeat(2500) });
    expect(app.sizes()).toHaveLength(2);
  });

  it("takes the configured share, and false sends none", async () => {
    const low = engineWith({ sizeWarning: 0.1 });
    await low.request({ a: "a".repeat(400) });
    expect(low.sizes()).toHaveLength(1);
    const off = engineWith({ sizeWarning: false });
    await off.request({ a: "a".repeat(2500) });
    expect(off.sizes()).toEqual([]);
    expect(off.events.map((e) => e.type)).toEqual(["created"]);
  });

  it("with chunks: measured against what all the chunks carry", async () => {
    const app = engineWith({ cookie: { chunks: 3 } });
    await app.request({ big: "b".repeat(2500) }); // past one cookie's 75%, far below three cookies'
    expect(app.sizes()).toEqual([]);
    await app.request({ big: "b".repeat(7500) });
    expect(app.sizes()).toEqual([expect.objectContaining({ limit: writeLimit(resolveCookie({ chunks: 3 }), 0), largest: ["big"] })]);
  });

  it("with revocation checks: as in cookie mode", async () => {
    const app = engineWith({ revocation: { namespace: env.SESSION_OBJECTS }, idleTimeout: 600 });
    await app.request({ big: "b".repeat(2500) });
    expect(app.sizes()).toEqual([expect.objectContaining({ limit: cookieBudget, largest: ["big"] })]);
  });
});

describe("sizeWarning: sessions in a store", () => {
  it("overflow: against the cookie while the session is in it, then against the store's maxValueBytes", async () => {
    const store = Object.assign(new MemoryStore(), { maxValueBytes: 8000 });
    const app = engineWith({ overflow: store });
    await app.request({ big: "b".repeat(2500) });
    expect(app.sizes()).toEqual([expect.objectContaining({ limit: cookieBudget })]);
    await app.request({ big: "b" }); // below again
    await app.request({ big: "b".repeat(5000) }); // in the store now: above 75% of 8000
    expect(app.sizes()).toHaveLength(2);
    expect(app.sizes()[1]).toMatchObject({ limit: 8000, largest: ["big"] });
    expect((await store.list()).keys).toHaveLength(1);
  });

  it("server-side store: the stored value against the store's maxValueBytes; a store without one sends none", async () => {
    const limited = engineWith({ store: Object.assign(new MemoryStore(), { maxValueBytes: 4000 }) });
    await limited.request({ a: "a".repeat(1000) });
    expect(limited.sizes()).toEqual([]);
    await limited.request({ b: "b".repeat(2000) });
    expect(limited.sizes()).toEqual([expect.objectContaining({ limit: 4000, largest: ["b", "a"] })]);
    const unlimited = engineWith({ store: new MemoryStore() });
    await unlimited.request({ a: "a".repeat(100_000) });
    expect(unlimited.sizes()).toEqual([]);
  });

  it("KV: against KV's 25 MiB value limit", async () => {
    const app = engineWith({ store: new KVStore(env.SESSIONS), sizeWarning: 0.0001 });
    await app.request({ a: "a".repeat(5000) });
    expect(app.sizes()).toEqual([expect.objectContaining({ limit: 25 * 1024 * 1024 })]);
  });

  it("Durable Objects: the sealed value against the object's 1 MiB", async () => {
    const app = engineWith({ store: new DurableObjectStore(env.SESSION_OBJECTS), sizeWarning: 0.01 });
    await app.request({ a: "a".repeat(5000) });
    expect(app.sizes()).toEqual([]);
    await app.request({ b: "b".repeat(12_000) });
    const [event] = app.sizes() as Extract<SessionEvent, { type: "size" }>[];
    expect(event).toMatchObject({ limit: 1024 * 1024, largest: ["b", "a"] });
    expect(event!.bytes).toBeGreaterThan(17_000 * (4 / 3));
  });

  it("D1 (a versioned store): the sealed value against the store's 1 MiB", async () => {
    const app = engineWith({ store: d1Store(), sizeWarning: 0.01 });
    await app.request({ a: "a".repeat(12_000) });
    expect(app.sizes()).toEqual([expect.objectContaining({ limit: 1024 * 1024, largest: ["a"] })]);
  });
});

describe("sizeWarning: through Hono", () => {
  it("sends the size event through the middleware's onEvent", async () => {
    const events: SessionEvent[] = [];
    const app = new Hono<{ Variables: SessionVariables<Data> }>();
    app.use(session<Data>({ secret: SECRET, onEvent: (event) => void events.push(event) }));
    app.get("/big", (c) => {
      c.var.session.set("profile", "p".repeat(2500));
      return c.text("ok");
    });
    const pending: Promise<unknown>[] = [];
    const ctx = { waitUntil: (p: Promise<unknown>) => void pending.push(p), passThroughOnException() {}, props: {} };
    const res = await app.request("/big", {}, {}, ctx as unknown as ExecutionContext);
    expect(res.status).toBe(200);
    await Promise.all(pending);
    expect(events.filter((e) => e.type === "size")).toEqual([expect.objectContaining({ largest: ["profile"] })]);
  });
});
