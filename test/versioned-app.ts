/**
 * The app, helpers and shared cases of the versioned-mode tests (do-mode, d1-mode, redis-mode): a session app
 * whose requests can be held between their read and their write, so tests overlap them exactly.
 */
import { Hono } from "hono";
import { expect, it } from "vitest";
import { session, SessionError, type SessionOptions, type SessionStore, type SessionVariables } from "../src/index.js";
import { jar, SECRET, type Data } from "./helpers.js";

/** Resolves every waiter once `count` of them wait: overlapping requests all read before any writes. */
export function barrier(count: number) {
  let waiting = 0;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return () => {
    if (++waiting === count) open();
    return opened;
  };
}

/** A gate the test opens by hand: holds a request between its read and its write. */
export function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

export type Hooks = { afterRead?: (c: { req: { header(name: string): string | undefined } }) => Promise<void> };

export function storeApp(store: SessionOptions["store"], hooks: Hooks = {}, options: Partial<SessionOptions> = {}) {
  const app = new Hono<{ Variables: SessionVariables<Data> }>();
  app.use(session<Data>({ secret: SECRET, idleTimeout: 600, store, ...options }));
  app.onError((err) => {
    if (!(err instanceof SessionError)) return new Response("handler failed", { status: 500 });
    const res = err.getResponse();
    res.headers.set("X-Error-Code", err.code);
    return res;
  });
  app.post("/set/:key/:value", async (c) => {
    await c.var.session.load();
    await hooks.afterRead?.(c);
    c.var.session.set(c.req.param("key"), c.req.param("value"));
    return c.text("ok");
  });
  app.post("/cart/:item", async (c) => {
    const cart = ((await c.var.session.get("cart")) as string[] | undefined) ?? [];
    await hooks.afterRead?.(c);
    c.var.session.set("cart", [...cart, c.req.param("item")]);
    return c.text("ok");
  });
  app.post("/inc", async (c) => {
    const n = ((await c.var.session.get("n")) as number | undefined) ?? 0;
    await hooks.afterRead?.(c);
    c.var.session.set("n", n + 1);
    return c.json({ read: n });
  });
  app.get("/all", async (c) => {
    const s = await c.var.session.load();
    return c.json({ id: s.id, isNew: s.isNew, invalid: s.invalid ?? null, expired: s.expired ?? null, data: await s.all() });
  });
  app.post("/init", (c) => (c.var.session.set("init", "yes"), c.text("ok")));
  app.post("/logout", (c) => (c.var.session.destroy(), c.text("bye")));
  app.post("/login", async (c) => ((await c.var.session.load()).regenerate(), c.text("welcome")));
  return app;
}

export type App = ReturnType<typeof storeApp>;
export type All = { id: string; isNew: boolean; invalid: string | null; expired: string | null; data: Record<string, unknown> };

export const send = (app: App, path: string, init: RequestInit = {}) => Promise.resolve(app.request(path, init));

export async function started(app: App) {
  const j = jar();
  j.take(await send(app, "/init", { method: "POST" }));
  const { id } = (await (await send(app, "/all", { headers: j.header() })).json()) as All;
  return { j, id };
}

export const all = async (app: App, cookie: Record<string, string>) => (await (await send(app, "/all", { headers: cookie })).json()) as All;

/** N overlapping requests on one session, each setting its own key after all of them read. */
export async function overlapping(store: SessionStore, n = 8) {
  const allRead = barrier(n);
  const app = storeApp(store, { afterRead: () => allRead() });
  const { j } = await started(app);
  const responses = await Promise.all(
    Array.from({ length: n }, (_, i) => send(app, `/set/k${i}/v${i}`, { method: "POST", headers: j.header() })),
  );
  return { responses, data: (await all(app, j.header())).data };
}

export const eight = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`k${i}`, `v${i}`]));

/**
 * The lost-update cases every versioned store passes (registered inside the caller's describe): overlapping
 * requests keep every change, also through wrappers that forward `versioned`, and lose them without it.
 */
export function lostUpdateCases(make: () => SessionStore): void {
  it("8 overlapping requests, each changing its own key: 8 of 8 changes are kept", async () => {
    const { responses, data } = await overlapping(make());
    expect(responses.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect(responses.filter((r) => r.headers.has("Set-Cookie"))).toEqual([]); // the id did not change
    expect(data).toEqual({ init: "yes", ...eight });
  });

  it.each([
    [
      "a wrapper forwarding `versioned`",
      (inner: SessionStore): SessionStore => ({
        get: (k) => inner.get(k),
        set: (k, v, o) => inner.set(k, v, o),
        delete: (k) => inner.delete(k),
        versioned: inner.versioned,
      }),
    ],
    ["a Proxy", (inner: SessionStore): SessionStore => new Proxy(inner, {})],
  ])("through %s: still 8 of 8", async (_, wrap) => {
    expect((await overlapping(wrap(make()))).data).toEqual({ init: "yes", ...eight });
  });

  it("the same overlap through a wrapper that hides `versioned` (plain server-side mode) keeps one change: the KV limitation", async () => {
    const inner = make();
    const plain: SessionStore = { get: (k) => inner.get(k), set: (k, v, o) => inner.set(k, v, o), delete: (k) => inner.delete(k) };
    const { data } = await overlapping(plain);
    expect(Object.keys(data).filter((key) => key.startsWith("k"))).toHaveLength(1);
  });

  it("two requests adding to one cart and setting the theme: both changes kept", async () => {
    const bothRead = barrier(2);
    const app = storeApp(make(), { afterRead: (c) => (c.req.header("X-Overlap") ? bothRead() : Promise.resolve()) });
    const { j } = await started(app);
    await send(app, "/cart/book", { method: "POST", headers: j.header() });
    const overlap = { ...j.header(), "X-Overlap": "1" };
    const pending = [
      send(app, "/cart/pen", { method: "POST", headers: overlap }),
      send(app, "/set/theme/dark", { method: "POST", headers: overlap }),
    ];
    expect((await Promise.all(pending)).map((r) => r.status)).toEqual([200, 200]);
    expect((await all(app, j.header())).data).toEqual({ init: "yes", cart: ["book", "pen"], theme: "dark" });
  });
}

/** A versioned store as the shared cases build it: `onConflict` as asked, and its own `read(id)`. */
export type VersionedTestStore = SessionStore & { read(id: string): Promise<unknown> };

/**
 * Two requests setting one key, the second held until the first committed: "last committed wins" (merge), or
 * the second refused with 409 (`onConflict: "error"`). `afterConflict` adds the store's own checks (the version).
 */
export function conflictCases<S extends VersionedTestStore>(
  make: (options?: { onConflict: "error" }) => S,
  afterConflict: (store: S, id: string) => Promise<void>,
): void {
  async function firstThenSecond(store: S) {
    const bothRead = barrier(2);
    const firstDone = gate();
    const app = storeApp(store, {
      afterRead: async (c) => {
        await bothRead();
        if (c.req.header("X-Order") === "second") await firstDone.opened;
      },
    });
    const { j, id } = await started(app);
    const first = send(app, "/set/color/red", { method: "POST", headers: { ...j.header(), "X-Order": "first" } }).then(
      (r) => (firstDone.open(), r),
    );
    const second = send(app, "/set/color/blue", { method: "POST", headers: { ...j.header(), "X-Order": "second" } });
    return { app, j, id, first: await first, second: await second };
  }

  it('a key both requests change: "last committed wins", and the earlier request\'s other keys stay', async () => {
    const { app, j, first, second } = await firstThenSecond(make());
    expect([first.status, second.status]).toEqual([200, 200]);
    expect((await all(app, j.header())).data).toEqual({ init: "yes", color: "blue" });
  });

  it('onConflict: "error" makes the second writer of a key fail with 409 and write nothing', async () => {
    const store = make({ onConflict: "error" });
    const { app, j, id, first, second: refused } = await firstThenSecond(store);
    expect(first.status).toBe(200);
    expect(refused.status).toBe(409);
    expect(refused.headers.get("X-Error-Code")).toBe("CONFLICT");
    expect(refused.headers.get("Set-Cookie")).toBeNull();
    expect((await all(app, j.header())).data).toEqual({ init: "yes", color: "red" });
    await afterConflict(store, id);
  });
}

/**
 * destroy() and regenerate() are final in every versioned store: a request in flight or an old cookie brings
 * nothing back. `tombstone` adds the store's own checks of what a logout leaves.
 */
export function finalEndCases<S extends VersionedTestStore>(make: () => S, tombstone: (store: S, id: string) => Promise<void>): void {
  it("a cookie captured before logout opens nothing afterwards (revoked), and the stored copy is a tombstone", async () => {
    const store = make();
    const app = storeApp(store);
    const { j, id } = await started(app);
    const copied = j.header();
    j.take(await send(app, "/logout", { method: "POST", headers: j.header() }));
    expect(j.value).toBeUndefined();
    expect(await all(app, copied)).toMatchObject({ isNew: true, invalid: "revoked", data: {} });
    await tombstone(store, id);
  });

  it("a request that read the session before logout cannot write it back afterwards", async () => {
    const held = gate();
    const read = gate();
    const store = make();
    const app = storeApp(store, {
      afterRead: async () => {
        read.open();
        await held.opened;
      },
    });
    const { j, id } = await started(app);
    const late = send(app, "/set/cart/full", { method: "POST", headers: j.header() });
    await read.opened;
    expect((await send(app, "/logout", { method: "POST", headers: j.header() })).status).toBe(200);
    held.open();
    const res = await late;
    expect(res.status).toBe(200);
    // Nothing written, and the browser's cookie left to the logout response (a late Max-Age=0 could otherwise
    // delete the cookie of a session regenerated meanwhile).
    expect(res.headers.get("Set-Cookie")).toBeNull();
    expect(await store.read(id)).toEqual({ state: "revoked" });
  });

  it("regenerate() moves the session to a new id and ends the old one", async () => {
    const app = storeApp(make());
    const { j, id } = await started(app);
    const before = j.header();
    j.take(await send(app, "/login", { method: "POST", headers: j.header() }));
    const after = await all(app, j.header());
    expect(after.id).not.toBe(id);
    expect(after.data).toEqual({ init: "yes" });
    expect(await all(app, before)).toMatchObject({ isNew: true, invalid: "revoked", data: {} });
  });
}
