/**
 * Server-side sessions on D1: the versioned mode through D1Store's compare-and-swap writes, proved with the
 * overlapping-request cases of the Durable Object store (do-mode.test.ts, concurrency.test.ts).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { D1Store, type D1StoreOptions } from "../src/d1/index.js";
import { EXPIRED_GRACE, SessionConfigError, session } from "../src/index.js";
import { d1Store, rowOf } from "./d1-helpers.js";
import { all, conflictCases, finalEndCases, lostUpdateCases, send, started, storeApp } from "./versioned-app.js";
import { jar, SECRET, testClock } from "./helpers.js";

describe("D1 store: lost-update protection", () => {
  lostUpdateCases(() => d1Store());

  conflictCases(d1Store, async (store, id) => expect((await rowOf(store, id))!.version).toBe(2));

  it('refuses onConflict: "error" on an overflow store (it applies to server-side sessions)', () => {
    expect(() => session({ secret: SECRET, overflow: d1Store({ onConflict: "error" }) })).toThrow(SessionConfigError);
  });
});

describe("D1 store: destroy is final", () => {
  finalEndCases(d1Store, async (store, id) =>
    expect(await rowOf(store, id)).toMatchObject({ value: null, metadata: null, last_used: null }),
  );
});

describe("D1 store: expiry and failures", () => {
  it("an idle session is kept a day past its deadline so the visitor is told why, then purge() deletes it", async () => {
    const clock = testClock();
    const store = d1Store({ now: clock.now });
    const app = storeApp(store, {}, { idleTimeout: 60, now: clock.now });
    const { j, id } = await started(app);
    clock.advance(61);
    expect(await all(app, j.header())).toMatchObject({ isNew: true, expired: "idle" });
    expect(await store.purge()).toEqual({ purged: 0, more: false });
    clock.advance(EXPIRED_GRACE);
    expect(await store.purge()).toEqual({ purged: 1, more: false });
    expect(await rowOf(store, id)).toBeNull();
    expect(await all(app, j.header())).toMatchObject({ isNew: true, invalid: "missing" });
  });

  it("a write that fails gives 503, no cookie, and the stored session unchanged", async () => {
    const store = d1Store();
    const app = storeApp(store);
    const { j } = await started(app);
    const broken = new D1Store(failingBatches(env.SESSIONS_DB), { prefix: store.prefix });
    const res = await send(storeApp(broken), "/set/k/v", { method: "POST", headers: j.header() });
    expect(res.status).toBe(503);
    expect(res.headers.get("X-Error-Code")).toBe("STORE_UNAVAILABLE");
    expect(res.headers.get("Set-Cookie")).toBeNull();
    expect((await all(app, j.header())).data).toEqual({ init: "yes" });
  });
});

describe("D1 store: work per request", () => {
  it("a read within touchAfter is one query and no write; a change is one query and one batch (one round trip each)", async () => {
    const clock = testClock();
    const calls: string[] = [];
    const options: D1StoreOptions = { now: clock.now };
    const prefix = `test-${crypto.randomUUID()}:`;
    const app = storeApp(new D1Store(recording(env.SESSIONS_DB, calls), { ...options, prefix }), {}, { now: clock.now });
    const { j } = await started(app);
    calls.length = 0;
    clock.advance(1);
    await send(app, "/all", { headers: j.header() });
    expect(calls).toEqual(["SELECT"]);
    calls.length = 0;
    await send(app, "/set/k/v", { method: "POST", headers: j.header() });
    expect(calls).toEqual(["SELECT", "batch(UPDATE, SELECT)"]);
    calls.length = 0;
    await send(app, "/logout", { method: "POST", headers: j.header() });
    expect(calls).toEqual(["SELECT", "UPDATE"]);
  });
});

/** The D1 binding, recording each round trip: a statement's first word, or a batch of them. */
function recording(db: D1Database, calls: string[]): D1Database {
  /** Each wrapped statement's first word and the real statement D1 needs in a batch. */
  const wrapped = new WeakMap<D1PreparedStatement, { first: string; inner: D1PreparedStatement }>();
  return new Proxy(db, {
    get(target, property) {
      if (property === "batch") {
        return (statements: D1PreparedStatement[]) => {
          calls.push(`batch(${statements.map((s) => wrapped.get(s)!.first).join(", ")})`);
          return target.batch(statements.map((s) => wrapped.get(s)!.inner));
        };
      }
      if (property !== "prepare") return Reflect.get(target, property, target);
      return (sql: string) => {
        const first = sql.trim().split(/\s/)[0]!;
        const wrap = (statement: D1PreparedStatement): D1PreparedStatement => {
          const proxy = new Proxy(statement, {
            get(inner, name) {
              if (name === "bind") return (...values: unknown[]) => wrap(inner.bind(...values));
              const value = Reflect.get(inner, name, inner);
              if (typeof value !== "function" || !["first", "run", "all", "raw"].includes(name as string)) return value;
              return (...args: unknown[]) => {
                calls.push(first);
                return (value as (...a: unknown[]) => unknown).apply(inner, args);
              };
            },
          });
          wrapped.set(proxy, { first, inner: statement });
          return proxy;
        };
        return wrap(target.prepare(sql));
      };
    },
  });
}

/** The D1 binding with batches (versioned writes) failing. */
function failingBatches(db: D1Database): D1Database {
  return new Proxy(db, {
    get(target, property) {
      if (property === "batch") return () => Promise.reject(new Error("D1_ERROR: storage reset"));
      return Reflect.get(target, property, target);
    },
  });
}

describe("D1 store: stores sharing a table and a secret", () => {
  it("a row copied to the same id under another prefix does not open there (values are bound to the store's prefix)", async () => {
    const p = d1Store();
    const q = d1Store();
    const j = jar();
    const appP = storeApp(p);
    j.take(await appP.request("/set/user/alice", { method: "POST" }));
    const { id } = (await (await appP.request("/all", { headers: j.header() })).json()) as { id: string };
    const row = await rowOf(p, id);
    expect(row?.value).toBeTruthy();
    await env.SESSIONS_DB.prepare(
      "INSERT INTO sessions (key, value, version, expires, deadline, created, last_used, metadata) SELECT ?, value, version, expires, deadline, created, last_used, metadata FROM sessions WHERE key = ?",
    )
      .bind(q.prefix + id, p.prefix + id)
      .run();
    const appQ = storeApp(q);
    expect(await (await appQ.request("/all", { headers: j.header() })).json()).toMatchObject({
      isNew: true,
      invalid: "tampered",
      data: {},
    });
    expect(await (await appP.request("/all", { headers: j.header() })).json()).toMatchObject({ isNew: false, data: { user: "alice" } });
  });
});
