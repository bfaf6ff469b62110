import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { DurableObjectStore, MemoryStore, session, type SessionOptions, type SessionVariables } from "../src/index.js";
import { openSetCookie, sessionCookie } from "../src/testing/index.js";
import { SECRET } from "./helpers.js";
import { kvStore } from "./stores.js";

/**
 * Issue 24 item 3: the testing kit speaks every mode the middleware can be configured with. `big` makes the
 * session outgrow one cookie: split over chunks, or spilled to the overflow store behind a pointer.
 */
type Data = { user?: string; big?: string };
const BIG = "x".repeat(5000); // two chunks of a cookie

const MODES: [string, SessionOptions, Data][] = [
  ["cookie mode", { secret: SECRET, idleTimeout: 600 }, { user: "alice" }],
  ["cookie mode with chunks", { secret: SECRET, idleTimeout: 600, cookie: { chunks: 3 } }, { user: "alice", big: BIG }],
  ["cookie mode with overflow (KV), spilled", { secret: SECRET, idleTimeout: 600, overflow: kvStore() }, { user: "alice", big: BIG }],
  [
    "cookie mode with chunks and overflow (KV), spilled",
    { secret: SECRET, idleTimeout: 600, cookie: { chunks: 2 }, overflow: kvStore() },
    { user: "alice", big: BIG + BIG },
  ],
  [
    "cookie mode with revocation checks",
    { secret: SECRET, idleTimeout: 600, revocation: { namespace: env.SESSION_OBJECTS } },
    { user: "alice" },
  ],
  [
    "cookie mode with revocation checks and chunks",
    { secret: SECRET, idleTimeout: 600, cookie: { chunks: 3 }, revocation: { namespace: env.SESSION_OBJECTS } },
    { user: "alice", big: BIG },
  ],
  ["server-side mode (MemoryStore)", { secret: SECRET, idleTimeout: 600, store: new MemoryStore() }, { user: "alice", big: BIG }],
  ["server-side mode (KV store)", { secret: SECRET, idleTimeout: 600, store: kvStore() }, { user: "alice" }],
  [
    "server-side mode (Durable Object store)",
    { secret: SECRET, idleTimeout: 600, store: new DurableObjectStore(env.SESSION_OBJECTS) },
    { user: "alice", big: BIG },
  ],
];

function app(options: SessionOptions, data: Data) {
  const hono = new Hono<{ Variables: SessionVariables<Data> }>();
  hono.use(session<Data>(options));
  hono.get("/me", async (c) => {
    const s = await c.var.session.load();
    return c.json({ invalid: s.invalid ?? null, data: await s.all() });
  });
  hono.post("/login", (c) => {
    for (const [key, value] of Object.entries(data)) c.var.session.set(key as keyof Data, value);
    return c.text("in");
  });
  hono.post("/logout", (c) => (c.var.session.destroy(), c.text("bye")));
  return hono;
}

const me = async (hono: ReturnType<typeof app>, cookie: string) =>
  (await (await hono.request("/me", { headers: { Cookie: cookie } })).json()) as { invalid: string | null; data: Data };

describe.each(MODES)("the testing kit in %s", (_name, options, data) => {
  const chunked = (options.cookie?.chunks ?? 1) > 1 && !options.overflow && !options.store;

  it("sessionCookie() makes a Cookie header the app opens, every chunk included", async () => {
    const cookie = await sessionCookie({ ...options, data });
    if (chunked) expect(cookie).toMatch(/^__Host-session=2~[\w-]{8}~[^;]+; __Host-session\.1=[\w-]{8}~[^;]+$/);
    else expect(cookie).toMatch(/^__Host-session=[^;]+$/);
    expect(await me(app(options, data), cookie)).toEqual({ invalid: null, data });
  });

  it("openSetCookie() reads every Set-Cookie of a response and opens the session it set", async () => {
    const hono = app(options, data);
    const res = await hono.request("/login", { method: "POST" });
    const set = await openSetCookie<Data>(res, options);
    expect(set.state).toBe("set");
    if (set.state !== "set") return;
    expect(set.data).toEqual(data);
    expect(set.session.invalid).toBeUndefined();
    expect(set.setCookies).toEqual(res.headers.getSetCookie());
    expect(set.setCookie).toBe(set.setCookies[0]);
    if (chunked)
      expect(set.cookie.split("; ").map((pair) => pair.slice(0, pair.indexOf("=")))).toEqual(["__Host-session", "__Host-session.1"]);
    expect(await me(hono, set.cookie)).toEqual({ invalid: null, data });

    const out = await openSetCookie(await hono.request("/logout", { method: "POST", headers: { Cookie: set.cookie } }), options);
    expect(out.state).toBe("cleared");
    expect(out.state === "cleared" && out.setCookies).toHaveLength(options.cookie?.chunks ?? 1);
  });
});

describe("openSetCookie() applies Set-Cookie lines as a browser does", () => {
  const options: SessionOptions = { secret: SECRET, cookie: { chunks: 3 } };

  it("a later write's chunks replace an earlier one's; chunk names it expires are dropped", async () => {
    const hono = app(options, {});
    const big = await hono.request("/login", { method: "POST" }); // nothing: empty data sets no cookie
    expect(await openSetCookie(big, options)).toEqual({ state: "none" });
    const first = await sessionCookie({ ...options, data: { user: "first", big: "x".repeat(8000) } });
    expect(first.split("; ")).toHaveLength(3);
    const last = await sessionCookie({ ...options, data: { user: "last" } }); // one cookie
    const headers = new Headers();
    for (const pair of first.split("; ")) headers.append("Set-Cookie", `${pair}; Path=/`);
    headers.append("Set-Cookie", `${last}; Path=/`);
    for (const k of [1, 2]) headers.append("Set-Cookie", `__Host-session.${k}=; Max-Age=0; Path=/`);
    const set = await openSetCookie<Data>(new Response("ok", { headers }), options);
    expect(set.state === "set" && set.cookie).toBe(last);
    expect(set.state === "set" && set.data).toEqual({ user: "last" });
  });

  it("chunk names alone, without the cookie's own name, change nothing the kit can read", async () => {
    const headers = new Headers({ "Set-Cookie": "__Host-session.1=abcdefgh~xyz; Path=/" });
    expect(await openSetCookie(new Response("ok", { headers }), options)).toEqual({ state: "none" });
  });
});
