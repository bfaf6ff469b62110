/**
 * Overlapping requests on one session (parallel AJAX calls from one tab), with the interleaving forced by gates
 * so that both requests read the session before either writes it back. Each test states, with assertions, what
 * a mode guarantees and what it does not.
 */
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { DurableObjectStore, MemoryStore, session, type SessionOptions, type SessionStore, type SessionVariables } from "../src/index.js";
import { LaggingStore } from "./fault-schedule.js";
import { jar, SECRET, testClock } from "./helpers.js";
import { InterleavingStore, kvStore } from "./stores.js";

const NAME = "__Host-session";
type Data = { cart?: string[]; theme?: string; count?: number };

/** A promise released from outside: lets a test decide which request finishes first. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** A shop whose handlers read the session, then wait at a gate, then write: the classic lost-update window. */
function shop(options: Partial<SessionOptions> = {}) {
  const clock = testClock();
  const gates = new Map<string, ReturnType<typeof gate>>();
  const arrived = new Map<string, ReturnType<typeof gate>>();
  const at = (name: string, map: typeof gates) => {
    if (!map.has(name)) map.set(name, gate());
    return map.get(name)!;
  };
  const app = new Hono<{ Variables: SessionVariables<Data> }>();
  app.use(session<Data>({ secret: SECRET, now: clock.now, ...options }));
  const pause = async (name: string | undefined) => {
    if (!name) return;
    at(name, arrived).open();
    await at(name, gates).opened;
  };
  app.post("/cart", async (c) => {
    const s = c.var.session;
    const cart = (await s.get("cart")) ?? [];
    await pause(c.req.query("gate"));
    s.set("cart", [...cart, c.req.query("item")!]);
    return c.json(await s.all());
  });
  app.post("/theme", async (c) => {
    const s = c.var.session;
    await s.load();
    await pause(c.req.query("gate"));
    s.set("theme", c.req.query("theme")!);
    return c.json(await s.all());
  });
  app.post("/count", async (c) => {
    const s = c.var.session;
    const count = ((await s.get("count")) ?? 0) + 1;
    await pause(c.req.query("gate"));
    s.set("count", count);
    return c.json({ count });
  });
  app.get("/all", async (c) => c.json(await c.var.session.all()));
  app.get("/why", async (c) => c.json({ invalid: (await c.var.session.load()).invalid ?? null }));
  app.post("/login", async (c) => {
    const s = c.var.session;
    await s.load();
    await pause(c.req.query("gate"));
    s.regenerate();
    return c.json(await s.all());
  });
  app.post("/logout", (c) => {
    c.var.session.destroy();
    return c.text("bye");
  });
  const release = (name: string) => at(name, gates).open();
  const reached = (name: string) => at(name, arrived).opened;
  return {
    app,
    clock,
    release,
    reached,
    /**
     * Adds a pen to the cart and sets the theme in two requests with the same cookie, both reading the session
     * before either writes; they finish in `order`. Returns the responses by name.
     */
    async overlap(headers: Record<string, string>, order: readonly ["cart", "theme"] | readonly ["theme", "cart"]) {
      const pending = {
        cart: promised(app.request("/cart?item=pen&gate=cart", { method: "POST", headers })),
        theme: promised(app.request("/theme?theme=dark&gate=theme", { method: "POST", headers })),
      };
      await Promise.all([reached("cart"), reached("theme")]);
      const responses: Partial<Record<"cart" | "theme", Response>> = {};
      for (const name of order) {
        release(name);
        responses[name] = await pending[name];
      }
      return responses as Record<"cart" | "theme", Response>;
    },
  };
}

/** app.request may answer synchronously. */
const promised = (response: Response | Promise<Response>) => Promise.resolve(response);

const sealedValue = (res: Response) => {
  const raw = res.headers.getSetCookie().find((h) => h.startsWith(`${NAME}=`));
  return raw?.slice(NAME.length + 1, raw.indexOf(";"));
};

/** The session cookie a response hands out, if any (an expiring Set-Cookie hands out none). */
const issued = (res: Response) => {
  const raw = res.headers.getSetCookie().find((h) => h.startsWith(`${NAME}=`));
  return raw === undefined || /Max-Age=0/.test(raw) ? undefined : sealedValue(res);
};

/** What a cookie value opens to now. */
const openWith = async (app: { request: Hono["request"] }, value: string | undefined) =>
  (await (await app.request("/all", { headers: { Cookie: `${NAME}=${value}` } })).json()) as Data;

/** Why a cookie value was refused, if it was. */
const refusal = async (app: { request: Hono["request"] }, value: string | undefined) =>
  ((await (await app.request("/why", { headers: { Cookie: `${NAME}=${value}` } })).json()) as { invalid: string | null }).invalid;

const keysOf = async (store: SessionStore) => (await store.list!({})).keys.map((k) => k.name);

describe("cookie mode: overlapping requests on one session", () => {
  it("last response wins: each response seals a consistent snapshot, and an overlapping write to another key is lost", async () => {
    for (const lastToFinish of ["cart", "theme"] as const) {
      const s = shop();
      const browser = jar();
      browser.take(await s.app.request("/cart?item=book", { method: "POST" }));
      const order = lastToFinish === "cart" ? (["theme", "cart"] as const) : (["cart", "theme"] as const);
      const responses = await s.overlap(browser.header(), order);
      for (const name of order) browser.take(responses[name]); // the browser stores cookies as responses arrive

      // Each response is a whole, consistent session: its own change on top of what it read, nothing mixed.
      expect(await responses.cart.json()).toEqual({ cart: ["book", "pen"] });
      expect(await responses.theme.json()).toEqual({ cart: ["book"], theme: "dark" });
      // The browser keeps the last Set-Cookie: the other request's change is gone.
      const final = await (await s.app.request("/all", { headers: browser.header() })).json();
      expect(final).toEqual(lastToFinish === "cart" ? { cart: ["book", "pen"] } : { cart: ["book"], theme: "dark" });
    }
  });

  it("a counter at 1 bumped by 10 overlapping requests ends at 2, not 11 (lost update); every cookie still opens", async () => {
    const s = shop();
    const first = sealedValue(await s.app.request("/count", { method: "POST" }))!;
    const headers = { Cookie: `${NAME}=${first}` };
    const pending = Array.from({ length: 10 }, (_, i) => s.app.request(`/count?gate=g${i}`, { method: "POST", headers }));
    await Promise.all(Array.from({ length: 10 }, (_, i) => s.reached(`g${i}`)));
    for (let i = 0; i < 10; i++) s.release(`g${i}`);
    const responses = await Promise.all(pending);
    const cookies = responses.map(sealedValue);
    for (const res of responses) expect(await res.json()).toEqual({ count: 2 });
    // Whichever cookie the browser ends with, it is a valid session that counted 2, not 11.
    for (const value of cookies) {
      expect(await (await s.app.request("/all", { headers: { Cookie: `${NAME}=${value}` } })).json()).toEqual({ count: 2 });
    }
  });

  it("sequential requests lose nothing: the lost update needs overlap, not load", async () => {
    const s = shop();
    const browser = jar();
    for (let i = 0; i < 10; i++) browser.take(await s.app.request("/count", { method: "POST", headers: browser.header() }));
    browser.take(await s.app.request("/theme?theme=dark", { method: "POST", headers: browser.header() }));
    expect(await (await s.app.request("/all", { headers: browser.header() })).json()).toEqual({ count: 10, theme: "dark" });
  });
});

describe("server-side mode: overlapping requests on one session", () => {
  it.each([
    ["a MemoryStore", () => new MemoryStore()],
    ["Workers KV", () => kvStore()],
  ])(
    "over %s, the later write erases an overlapping request's change to another key (lost update: a stated limitation)",
    async (_, makeStore) => {
      const store = makeStore();
      const s = shop({ store });
      const browser = jar();
      browser.take(await s.app.request("/cart?item=book", { method: "POST" }));
      const pointer = browser.value;
      const { cart: first, theme: second } = await s.overlap(browser.header(), ["cart", "theme"]);
      expect([first.status, second.status]).toEqual([200, 200]);
      // Both requests said they saved; the cookie (a sealed id) did not change...
      expect(first.headers.getSetCookie()).toEqual([]);
      expect(second.headers.getSetCookie()).toEqual([]);
      expect(browser.value).toBe(pointer);
      // ...and the stored session is the last writer's whole snapshot: the pen is gone, silently.
      expect(await (await s.app.request("/all", { headers: browser.header() })).json()).toEqual({ cart: ["book"], theme: "dark" });
    },
  );

  it("a write that timed out (503) but lands after a newer acknowledged write overwrites it (no versions in KV: a stated limitation)", async () => {
    const memory = new MemoryStore();
    let holdNext = false;
    let delayed: (() => Promise<void>) | undefined;
    // The held write is reported failed (as a KV put past storeTimeout) and applied later.
    const slow: SessionStore = {
      get: (key) => memory.get(key),
      delete: (key) => memory.delete(key),
      set: (key, value, options) => {
        if (!holdNext) return memory.set(key, value, options);
        holdNext = false;
        delayed = () => memory.set(key, value, options);
        return Promise.reject(new Error("timed out"));
      },
    };
    const s = shop({ store: slow });
    const browser = jar();
    browser.take(await s.app.request("/cart?item=book", { method: "POST" }));
    holdNext = true;
    expect((await s.app.request("/theme?theme=dark", { method: "POST", headers: browser.header() })).status).toBe(503);
    expect((await s.app.request("/cart?item=pen", { method: "POST", headers: browser.header() })).status).toBe(200);
    expect(await (await s.app.request("/all", { headers: browser.header() })).json()).toEqual({ cart: ["book", "pen"] });
    await delayed!(); // the "failed" write lands late
    expect(await (await s.app.request("/all", { headers: browser.header() })).json()).toEqual({ cart: ["book"], theme: "dark" });
  });
});

describe("server-side mode on the Durable Object store: overlapping requests", () => {
  it("the same overlap keeps both changes: writes are versioned and merged key by key (the fix for the KV lost update)", async () => {
    const s = shop({ store: new DurableObjectStore(env.SESSION_OBJECTS) });
    const browser = jar();
    browser.take(await s.app.request("/cart?item=book", { method: "POST" }));
    const { cart, theme } = await s.overlap(browser.header(), ["cart", "theme"]);
    expect([cart.status, theme.status]).toEqual([200, 200]);
    expect(await (await s.app.request("/all", { headers: browser.header() })).json()).toEqual({ cart: ["book", "pen"], theme: "dark" });
  });
});

describe("overflow mode: overlapping requests on one big session", () => {
  it("last response wins, as in cookie mode; each response's pointer names its own complete snapshot", async () => {
    const store = new MemoryStore();
    const s = shop({ overflow: store });
    const browser = jar();
    browser.take(await s.app.request(`/cart?item=${"b".repeat(5000)}`, { method: "POST" }));
    expect((await store.list({})).keys).toHaveLength(1);
    const { cart: first, theme: second } = await s.overlap(browser.header(), ["cart", "theme"]);
    const pointers = [first, second].map(sealedValue);
    expect(new Set(pointers).size).toBe(2); // a fresh key per write: neither overwrote the other
    browser.take(first);
    browser.take(second);
    const final = (await (await s.app.request("/all", { headers: browser.header() })).json()) as Data;
    expect(final.theme).toBe("dark");
    expect(final.cart).toHaveLength(1); // the pen (first response) is not in the last response's snapshot
    const earlier = (await (await s.app.request("/all", { headers: { Cookie: `${NAME}=${pointers[0]}` } })).json()) as Data;
    expect(earlier.cart).toHaveLength(2);
  });
});

describe("server-side mode: logout raced by a request in flight", () => {
  const stores = [
    ["a MemoryStore", () => new MemoryStore()],
    ["Workers KV (one location)", () => kvStore()],
  ] as const;

  /** A session with a book in the cart; `old` is its cookie (kept by a thief, or another tab). */
  async function loggedIn(store: SessionStore) {
    const s = shop({ store });
    const browser = jar();
    browser.take(await s.app.request("/cart?item=book", { method: "POST" }));
    const [id] = await keysOf(store);
    return { s, browser, old: browser.value, id: id! };
  }

  /** Starts a request that adds a pen after loading the session, and waits until it has loaded it. */
  async function inFlight(s: ReturnType<typeof shop>, headers: Record<string, string>) {
    const response = promised(s.app.request("/cart?item=pen&gate=late", { method: "POST", headers }));
    await s.reached("late");
    return { response };
  }

  it.each(stores)(
    "over %s, a request that loaded the session before destroy() writes nothing after it: the old cookie stays dead",
    async (_, make) => {
      const store = make();
      const { s, browser, old } = await loggedIn(store);
      const late = await inFlight(s, browser.header());
      const logout = await s.app.request("/logout", { method: "POST", headers: browser.header() });
      expect(logout.headers.getSetCookie()[0]).toMatch(/Max-Age=0/);
      expect(await keysOf(store)).toEqual([]);
      s.release("late");
      const response = await late.response;
      expect(response.status).toBe(200);
      expect(issued(response)).toBeUndefined(); // no cookie to a session that no longer exists
      expect(await keysOf(store)).toEqual([]); // the write was dropped, not merely hidden
      expect(await openWith(s.app, old)).toEqual({});
    },
  );

  it.each(stores)("over %s, an admin's store.delete(id) is not undone by a request that loaded the session before it", async (_, make) => {
    const store = make();
    const { s, browser, old, id } = await loggedIn(store);
    const late = await inFlight(s, browser.header());
    await store.delete(id);
    s.release("late");
    expect((await late.response).status).toBe(200);
    expect(await keysOf(store)).toEqual([]);
    expect(await openWith(s.app, old)).toEqual({});
  });

  it("a delete that lands just before the write-back's re-read is respected", async () => {
    const store = new InterleavingStore(new MemoryStore());
    const memory = store.inner as MemoryStore;
    const { s, browser, old } = await loggedIn(memory);
    const app = shop({ store }); // same secret and store: reads what `s` wrote
    const late = promised(app.app.request("/cart?item=pen&gate=late", { method: "POST", headers: browser.header() }));
    await app.reached("late");
    // The request's next store read is its re-read before writing: the logout runs just before it.
    store.onNextGet("before", () => promised(s.app.request("/logout", { method: "POST", headers: browser.header() })));
    app.release("late");
    expect((await late).status).toBe(200);
    expect(memory.size).toBe(0);
    expect(await openWith(s.app, old)).toEqual({});
  });

  it("the remaining window: a delete landing between the re-read and the write is undone by the write (measured, documented)", async () => {
    const store = new InterleavingStore(new MemoryStore());
    const memory = store.inner as MemoryStore;
    const { s, browser, old } = await loggedIn(memory);
    const app = shop({ store });
    const late = promised(app.app.request("/cart?item=pen&gate=late", { method: "POST", headers: browser.header() }));
    await app.reached("late");
    let storedDuringLogout: number | undefined;
    // The re-read finds the session; the logout completes; then the request writes.
    store.onNextGet("after", async () => {
      await s.app.request("/logout", { method: "POST", headers: browser.header() });
      storedDuringLogout = memory.size;
    });
    app.release("late");
    const response = await late;
    expect(storedDuringLogout).toBe(0); // the logout did delete the session...
    expect(response.status).toBe(200);
    expect(memory.size).toBe(1); // ...and the write that had already passed its check brought it back
    expect(await openWith(s.app, old)).toEqual({ cart: ["book", "pen"] });
  });

  it("KV across locations: a location that has not seen the delete yet (up to ~60 s) writes the session back everywhere (documented)", async () => {
    const truth = new MemoryStore();
    const there = new LaggingStore(truth);
    const { s: here, browser, old } = await loggedIn(truth);
    const elsewhere = shop({ store: there });
    await there.lag(); // the other location still sees the session
    expect((await here.app.request("/logout", { method: "POST", headers: browser.header() })).status).toBe(200);
    expect(truth.size).toBe(0);
    // A request at the lagging location loads the session, re-reads it (still there in its view) and writes.
    expect((await elsewhere.app.request("/cart?item=pen", { method: "POST", headers: { Cookie: `${NAME}=${old}` } })).status).toBe(200);
    there.catchUp();
    expect(await openWith(here.app, old)).toEqual({ cart: ["book", "pen"] });
  });

  it("a request in flight that regenerates the id writes nothing either: the old cookie stays dead, and no new one is issued", async () => {
    const store = new MemoryStore();
    const { s, browser, old } = await loggedIn(store);
    const late = promised(s.app.request("/login?gate=login", { method: "POST", headers: browser.header() }));
    await s.reached("login");
    await s.app.request("/logout", { method: "POST", headers: browser.header() });
    s.release("login");
    const response = await late;
    expect(response.status).toBe(200);
    expect(await openWith(s.app, old)).toEqual({});
    expect(issued(response)).toBeUndefined();
    expect(await keysOf(store)).toEqual([]);
  });

  it.each(stores)(
    "over %s, ordinary writes still work: two parallel requests of a live session both write, none is refused",
    async (_, make) => {
      const store = make();
      const { s, browser } = await loggedIn(store);
      const { cart, theme } = await s.overlap(browser.header(), ["cart", "theme"]);
      expect([cart.status, theme.status]).toEqual([200, 200]);
      expect([issued(cart), issued(theme)]).toEqual([undefined, undefined]); // the pointer stays; no cookie is expired
      expect(await (await s.app.request("/all", { headers: browser.header() })).json()).toEqual({ cart: ["book"], theme: "dark" });
    },
  );
});

describe("overflow mode: logout raced by a request in flight", () => {
  /** A big session (in the store behind a pointer), one request in flight on it, and a logout meanwhile. */
  async function raced(options: Partial<SessionOptions>) {
    const store = new MemoryStore();
    const s = shop({ overflow: store, idleTimeout: 600, ...options });
    const browser = jar();
    browser.take(await s.app.request(`/cart?item=${"b".repeat(5000)}`, { method: "POST" }));
    expect(await keysOf(store)).toHaveLength(1);
    const old = browser.value;
    const late = promised(s.app.request("/cart?item=pen&gate=late", { method: "POST", headers: browser.header() }));
    await s.reached("late");
    browser.take(await s.app.request("/logout", { method: "POST", headers: browser.header() }));
    expect(browser.value).toBeUndefined();
    expect(await keysOf(store)).toEqual([]);
    s.release("late");
    const response = await late;
    return { s, store, old, response, fresh: issued(response) };
  }

  it("without revocation, the in-flight response hands out a pointer to a new copy that opens (cookie-mode semantics, documented)", async () => {
    const { s, store, old, response, fresh } = await raced({});
    expect(response.status).toBe(200);
    expect(fresh).toBeDefined();
    expect(await keysOf(store)).toHaveLength(1); // a new copy under a fresh key
    expect(await refusal(s.app, old)).toBe("missing"); // the old pointer's entry is gone...
    expect((await openWith(s.app, fresh)).cart).toHaveLength(2); // ...but the new pointer opens the logged-out session
    expect(await refusal(s.app, fresh)).toBeNull();
  });

  it("with revocation:, the same pointer is refused as revoked: the check is on the session id, wherever the data is", async () => {
    const { s, old, response, fresh } = await raced({ revocation: { namespace: env.SESSION_OBJECTS } });
    expect(response.status).toBe(200);
    expect(fresh).toBeDefined();
    expect(await openWith(s.app, fresh)).toEqual({});
    expect(await refusal(s.app, fresh)).toBe("revoked");
    expect(await refusal(s.app, old)).toBe("missing");
  });
});
