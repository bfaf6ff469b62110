/**
 * The scenarios every runtime runs (workerd, Node, Bun, Deno, Vercel's Edge Runtime): plain async checks
 * that throw on failure, no test framework, only web-standard APIs, so that one bundle runs everywhere.
 * Time never passes for real: each app gets an injected clock (`now`).
 */
import * as root from "../../src/index.js";
import { createKeyring, MemoryStore, sealedStore } from "../../src/index.js";
import { appOf, type AppBody, type AppOptions, type Flavour, type Handler } from "./app.js";

export const SECRET = "runtime-secret-0123456789-abcdefghijklmnopqrstuvwxyz";
export const NEW_SECRET = "new-runtime-secret-9876543210-zyxwvutsrqponmlkjihg";
export const COOKIE = "__Host-session";
const START = Date.UTC(2026, 10, 24, 9, 0, 0);
const JWE = /^[\w-]+\.\.[\w-]+\.[\w-]+\.[\w-]+$/;

/** Throws `message` when the condition does not hold. */
export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** Throws when the two differ as JSON, saying what was expected and what came. */
export function equal(actual: unknown, expected: unknown, what: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  check(a === e, `${what}: expected ${e}, got ${a}`);
}

/** A controllable clock: scenarios move time, never sleep. */
export function clock(start = START) {
  let t = start;
  return {
    now: () => t,
    advance(seconds: number) {
      t += seconds * 1000;
    },
  };
}

/** What one request through a {@link Client} gave. */
export interface Visit {
  status: number;
  text: string;
  /** The JSON body of the session routes (empty object for text routes). */
  body: AppBody;
  /** The raw Set-Cookie for the session cookie, if any. */
  setCookie: string | undefined;
  cacheControl: string | null;
}

/** A browser-like client of one app: keeps the session cookie from one response to the next request. */
export class Client {
  cookie: string | undefined;
  readonly #handler: Handler;

  constructor(handler: Handler, cookie?: string) {
    this.#handler = handler;
    this.cookie = cookie;
  }

  async visit(path: string): Promise<Visit> {
    const headers: Record<string, string> = this.cookie === undefined ? {} : { Cookie: `${COOKIE}=${this.cookie}` };
    const res = await this.#handler(new Request(`http://app.test${path}`, { headers }));
    const setCookie = res.headers.getSetCookie().find((h) => h.startsWith(`${COOKIE}=`));
    if (setCookie !== undefined) {
      this.cookie = /; Max-Age=0(;|$)/.test(setCookie) ? undefined : setCookie.slice(COOKIE.length + 1, setCookie.indexOf(";"));
    }
    const text = await res.text();
    const body = (res.headers.get("Content-Type") ?? "").includes("json") ? (JSON.parse(text) as AppBody) : ({} as AppBody);
    check(res.status === 200, `GET ${path}: status ${res.status} (${text.slice(0, 200)})`);
    return { status: res.status, text, body, setCookie, cacheControl: res.headers.get("Cache-Control") };
  }
}

/**
 * How a scenario reaches the app: a flavour (Hono or the plain engine) and a transport (in-process, or the
 * runtime's own HTTP server).
 */
export interface Lane {
  /** e.g. "hono", "engine", "hono over Bun.serve". */
  name: string;
  flavour: Flavour;
  /** Wraps the in-process handler (e.g. routes it through a server); identity when absent. */
  reach?: (handler: Handler) => Handler;
}

/** Opens a client (empty jar, or the given cookie) on a fresh app built from `options`, through the lane. */
export type Opener = (options: AppOptions, cookie?: string) => Client;

export function openerOf(lane: Lane): Opener {
  return (options, cookie) => {
    const handler = appOf(lane.flavour, options);
    return new Client(lane.reach ? lane.reach(handler) : handler, cookie);
  };
}

export interface AppScenario {
  name: string;
  run(open: Opener): Promise<void>;
}

export interface DirectScenario {
  name: string;
  run(): Promise<void>;
}

/** Scenarios that go through the app: each lane of each runtime runs all of them. */
export const APP_SCENARIOS: AppScenario[] = [
  {
    name: "cookie: login, visit, logout",
    async run(open) {
      const c = open({ secret: SECRET, idleTimeout: 300, absoluteTimeout: 3600, now: clock().now });
      const login = await c.visit("/login/ada");
      check(login.setCookie, "no Set-Cookie after login");
      check(/^__Host-session=[\w.-]+; Path=\/; HttpOnly; Secure; SameSite=Lax$/.test(login.setCookie), `Set-Cookie: ${login.setCookie}`);
      check(JWE.test(c.cookie!), "the cookie is not a compact JWE (dir)");
      const header = JSON.parse(atob(c.cookie!.split(".")[0]!.replace(/-/g, "+").replace(/_/g, "/"))) as Record<string, unknown>;
      equal(Object.keys(header), ["alg", "enc", "kid"], "JWE header members");
      equal([header.alg, header.enc], ["dir", "A256GCM"], "JWE algorithms");
      equal(login.cacheControl, "no-store", "Cache-Control with Set-Cookie");
      equal(login.body.data, { user: "ada" }, "data after login");

      const first = await c.visit("/inc");
      equal([first.body.id, first.body.isNew, first.body.data], [login.body.id, false, { user: "ada", count: 1 }], "first visit");
      const second = await c.visit("/inc");
      equal(second.body.data.count, 2, "count after the second visit");

      const logout = await c.visit("/logout");
      check(logout.setCookie && /; Max-Age=0(;|$)/.test(logout.setCookie), `logout does not expire the cookie: ${logout.setCookie}`);
      check(c.cookie === undefined, "the cookie is still set after logout");
      const after = await c.visit("/read");
      equal([after.body.isNew, after.body.data, after.setCookie], [true, {}, undefined], "after logout: fresh, empty, no cookie");
    },
  },
  {
    name: "cookie: idle expiry",
    async run(open) {
      const t = clock();
      const c = open({ secret: SECRET, idleTimeout: 300, now: t.now });
      const login = await c.visit("/login/ada");
      t.advance(200);
      const kept = await c.visit("/read");
      equal([kept.body.id, kept.body.isNew], [login.body.id, false], "200 s later");
      check(kept.setCookie, "a read 200 s later (past touchAfter) does not roll the cookie");
      t.advance(299);
      equal((await c.visit("/read")).body.isNew, false, "299 s after the last use");
      t.advance(301);
      const expired = await c.visit("/read");
      equal([expired.body.expired, expired.body.isNew, expired.body.data], ["idle", true, {}], "301 s after the last use");
    },
  },
  {
    name: "cookie: absolute expiry",
    async run(open) {
      const t = clock();
      const c = open({ secret: SECRET, idleTimeout: 300, absoluteTimeout: 600, now: t.now });
      const login = await c.visit("/login/ada");
      for (let k = 0; k < 2; k++) {
        t.advance(250);
        const visit = await c.visit("/inc");
        equal([visit.body.id, visit.body.isNew], [login.body.id, false], `${250 * (k + 1)} s after login`);
      }
      t.advance(101);
      const expired = await c.visit("/read");
      equal([expired.body.expired, expired.body.isNew, expired.body.data], ["absolute", true, {}], "601 s after login, active all along");
    },
  },
  {
    name: "cookie: key rotation",
    async run(open) {
      const t = clock();
      const old = open({ secret: SECRET, now: t.now });
      const login = await old.visit("/login/ada");
      const sealedWithOld = old.cookie!;

      const rotating = open({ secret: [NEW_SECRET, SECRET], now: t.now }, sealedWithOld);
      const read = await rotating.visit("/read");
      equal([read.body.id, read.body.isNew, read.body.data], [login.body.id, false, { user: "ada" }], "an old cookie under [new, old]");
      check(read.setCookie && rotating.cookie !== sealedWithOld, "an old-key cookie is not re-sealed with the new key");

      const resealed = await open({ secret: NEW_SECRET, now: t.now }, rotating.cookie).visit("/read");
      equal([resealed.body.id, resealed.body.data], [login.body.id, { user: "ada" }], "the re-sealed cookie under the new key alone");
      const refused = await open({ secret: NEW_SECRET, now: t.now }, sealedWithOld).visit("/read");
      equal([refused.body.invalid, refused.body.isNew], ["unknown-key", true], "an old-key cookie once the old key is gone");
    },
  },
  {
    name: "cookie: flash",
    async run(open) {
      const c = open({ secret: SECRET, now: clock().now });
      await c.visit("/login/ada");
      equal((await c.visit("/flash/Saved ✓")).text, "flashed", "flash route");
      equal(JSON.parse((await c.visit("/take")).text), { notice: "Saved ✓" }, "the next request");
      equal(JSON.parse((await c.visit("/take")).text), { notice: null }, "the request after");
      equal((await c.visit("/read")).body.data, { user: "ada" }, "data kept beside the flash");
    },
  },
  {
    name: "cookie: regenerate",
    async run(open) {
      const c = open({ secret: SECRET, now: clock().now });
      const login = await c.visit("/login/ada");
      await c.visit("/inc");
      const before = c.cookie;
      const regenerated = await c.visit("/regenerate");
      check(regenerated.body.id !== login.body.id, "regenerate kept the id");
      check(/^[\w-]{22}$/.test(regenerated.body.id), `a new id of 22 base64url characters: ${regenerated.body.id}`);
      equal(regenerated.body.data, { user: "ada", count: 1 }, "data after regenerate");
      check(regenerated.setCookie && c.cookie !== before, "no new cookie after regenerate");
      equal((await c.visit("/read")).body.id, regenerated.body.id, "the next request's id");
    },
  },
  {
    name: "cookie: tampered cookie",
    async run(open) {
      const options = { secret: SECRET, now: clock().now };
      const c = open(options);
      await c.visit("/login/ada");
      const [header, , iv, ciphertext, tag] = c.cookie!.split(".") as [string, string, string, string, string];
      // One character of the ciphertext changed, its last one kept (canonical base64url either way).
      const flipped = ciphertext.slice(0, 1) === "A" ? `B${ciphertext.slice(1)}` : `A${ciphertext.slice(1)}`;
      const tampered = open(options, [header, "", iv, flipped, tag].join("."));
      const read = await tampered.visit("/read");
      equal([read.body.invalid, read.body.isNew, read.body.data], ["tampered", true, {}], "a tampered cookie");
      check(read.setCookie && /; Max-Age=0(;|$)/.test(read.setCookie), `a refused cookie is not removed: ${read.setCookie}`);
      const garbage = await open(options, "not-a-jwe").visit("/read");
      equal([garbage.body.invalid, garbage.body.isNew], ["malformed", true], "a cookie that is no JWE");
    },
  },
  {
    name: "store: MemoryStore server-side",
    async run(open) {
      const t = clock();
      const store = new MemoryStore({ now: t.now });
      const c = open({ secret: SECRET, idleTimeout: 300, store, now: t.now });
      const login = await c.visit("/login/ada-lovelace");
      check(c.cookie && c.cookie.length < 200, `the cookie is not a small sealed id (${c.cookie?.length} chars)`);
      equal(
        (await store.list()).keys.map((k) => k.name),
        [login.body.id],
        "store keys after login",
      );
      const raw = (await store.get(login.body.id))!;
      check(JWE.test(raw) && !raw.includes("lovelace"), "the store holds plaintext");

      const visit = await c.visit("/inc");
      equal([visit.body.id, visit.body.data, visit.setCookie], [login.body.id, { user: "ada-lovelace", count: 1 }, undefined], "a visit");
      const regenerated = await c.visit("/regenerate");
      equal(
        (await store.list()).keys.map((k) => k.name),
        [regenerated.body.id],
        "store keys after regenerate",
      );
      const loggedIn = c.cookie!;
      await c.visit("/logout");
      equal(store.size, 0, "entries left after logout");
      const replayed = await open({ secret: SECRET, idleTimeout: 300, store, now: t.now }, loggedIn).visit("/read");
      equal([replayed.body.invalid, replayed.body.isNew, replayed.body.data], ["missing", true, {}], "the logged-out cookie replayed");
    },
  },
  {
    name: "overflow: to a MemoryStore",
    async run(open) {
      const t = clock();
      const store = new MemoryStore({ now: t.now });
      const c = open({ secret: SECRET, overflow: store, now: t.now });
      await c.visit("/login/ada");
      await c.visit("/big/100");
      equal(store.size, 0, "store entries for a session that fits the cookie");
      const over = await c.visit("/big/5000");
      check(c.cookie && c.cookie.length < 200, `an overflowed session's cookie is not a small pointer (${c.cookie?.length} chars)`);
      equal((await store.list()).keys.length, 1, "store entries after overflow");
      const read = await c.visit("/read");
      equal(
        [read.body.id, read.body.data.big?.length, read.body.data.user],
        [over.body.id, 5000, "ada"],
        "an overflowed session read back",
      );
      await c.visit("/small");
      check(c.cookie && c.cookie.length > 200, "the session is not back in the cookie");
      equal((await store.list()).keys.length, 0, "store entries once back in the cookie");
      equal((await c.visit("/read")).body.data, { user: "ada" }, "data back in the cookie");
    },
  },
];

/** Scenarios without the app: once per runtime. */
export const DIRECT_SCENARIOS: DirectScenario[] = [
  {
    // The whole root module is bundled (a namespace used as a value keeps every export), so a module of the
    // root that needs a Workers-only API at import time fails here on the other runtimes.
    name: "the package root loads, every export defined",
    async run() {
      const undefinedExports = Object.entries(root).filter(([, value]) => value === undefined);
      equal(
        undefinedExports.map(([name]) => name),
        [],
        "exports that are undefined",
      );
      for (const name of [
        "session",
        "sessionEngine",
        "withSession",
        "MemoryStore",
        "KVStore",
        "sealedStore",
        "DurableObjectStore",
        "SessionError",
      ] as const) {
        check(typeof root[name] === "function", `${name} is not exported as a function or class`);
      }
    },
  },
  {
    name: "sealedStore over a MemoryStore",
    async run() {
      const inner = new MemoryStore();
      const keys = await createKeyring(SECRET, { purpose: "runtimes/store" });
      const store = sealedStore(inner, keys);
      const value = '{"user":"ada","note":"Grüße ✓ 𝄞"}';
      await store.set("ada", value, { ttl: 60, metadata: { lastUsed: 1 } });
      const raw = (await inner.get("ada"))!;
      check(JWE.test(raw) && !raw.includes("ada"), "the inner store holds plaintext");
      equal(await store.open("ada"), { ok: true, value, rotated: false }, "open");
      equal(
        (await store.list!({})).keys.map((k) => [k.name, k.metadata]),
        [["ada", { lastUsed: 1 }]],
        "list",
      );

      await inner.set("mallory", raw, { ttl: 60 });
      equal(await store.open("mallory"), { ok: false, reason: "tampered" }, "a value copied under another key");
      equal(await store.open("nobody"), { ok: false, reason: "missing" }, "a missing key");
      const rotated = sealedStore(inner, await createKeyring([NEW_SECRET, SECRET], { purpose: "runtimes/store" }));
      equal(await rotated.open("ada"), { ok: true, value, rotated: true }, "open after rotation");
      let refused: unknown;
      await store.set("bad", "\uD800", { ttl: 60 }).catch((error: unknown) => (refused = error));
      check(refused instanceof TypeError, "a lone surrogate is not refused with a TypeError");
    },
  },
];

/** Runs every scenario through every lane, then the direct ones; never throws. */
export async function runScenarios(lanes: readonly Lane[]): Promise<Result[]> {
  const results: Result[] = [];
  for (const lane of lanes) {
    const open = openerOf(lane);
    // edge-session/cookie refuses store options: its lane runs the cookie scenarios.
    const scenarios = lane.flavour === "cookie-entry" ? APP_SCENARIOS.filter(({ name }) => name.startsWith("cookie:")) : APP_SCENARIOS;
    for (const scenario of scenarios) results.push(await outcome(`${lane.name}: ${scenario.name}`, () => scenario.run(open)));
  }
  for (const scenario of DIRECT_SCENARIOS) results.push(await outcome(scenario.name, () => scenario.run()));
  return results;
}

/** One scenario's outcome, as the driver counts it. */
export interface Result {
  scenario: string;
  ok: boolean;
  error?: string;
}

export async function outcome(scenario: string, run: () => Promise<void>): Promise<Result> {
  try {
    await run();
    return { scenario, ok: true };
  } catch (error) {
    return { scenario, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
}
