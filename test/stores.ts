/**
 * Test doubles around any SessionStore (and a KVStore on the real binding), shared by the store, overflow and adversarial suites:
 * count calls (prove that nothing is written when nothing changed), inject faults (throw or hang on chosen
 * calls), run another request at an exact point of a read (races with a logout), answer reads with the
 * wrong type (a custom store breaking the contract), and a store without TTL (for purgeExpired, and as a
 * model of a user's own D1/Redis store).
 */
import { env } from "cloudflare:workers";
import { Hono, type Context } from "hono";
import {
  KVStore,
  session,
  type SessionOptions,
  type SessionStore,
  type SessionVariables,
  type StoreKey,
  type StoreListOptions,
  type StoreSetOptions,
} from "../src/index.js";
import { SECRET, type jar } from "./helpers.js";

/** A KVStore over the real miniflare binding, under a prefix of its own so tests never see each other's keys. */
export function kvStore(): KVStore {
  return new KVStore(env.SESSIONS, { prefix: `test-${crypto.randomUUID()}:` });
}

export type StoreOperation = "get" | "set" | "delete" | "list";

/** Forwards to `inner` and records every call. */
export class CountingStore implements SessionStore {
  readonly calls: { operation: StoreOperation; key?: string }[] = [];
  constructor(readonly inner: SessionStore) {}

  count(operation: StoreOperation): number {
    return this.calls.filter((call) => call.operation === operation).length;
  }

  /** Keys passed to `operation`, in call order. */
  keys(operation: StoreOperation): string[] {
    return this.calls.filter((call) => call.operation === operation).map((call) => call.key!);
  }

  reset(): void {
    this.calls.length = 0;
  }

  get(key: string): Promise<string | null> {
    this.calls.push({ operation: "get", key });
    return this.inner.get(key);
  }

  set(key: string, value: string, options: StoreSetOptions): Promise<void> {
    this.calls.push({ operation: "set", key });
    return this.inner.set(key, value, options);
  }

  delete(key: string): Promise<void> {
    this.calls.push({ operation: "delete", key });
    return this.inner.delete(key);
  }

  list(options: StoreListOptions): Promise<{ keys: StoreKey[]; cursor?: string | undefined }> {
    this.calls.push({ operation: "list" });
    if (!this.inner.list) throw new Error("inner store cannot list");
    return this.inner.list(options);
  }
}

/** How an injected fault behaves: reject with {@link INJECTED}, or never settle. */
export type Fault = "throw" | "hang";

/** The error an injected "throw" fault rejects with; its message holds nothing but this marker. */
export const INJECTED = "injected store failure";

/** Forwards to `inner` except for the operations told to fail. */
export class FaultyStore implements SessionStore {
  readonly #faults = new Map<StoreOperation, Fault>();
  readonly #waiting: { operation: StoreOperation; resolve: () => void }[] = [];
  constructor(readonly inner: SessionStore) {}

  /** Resolves when `operation` is next called (e.g. to advance fake timers only once a call hangs). */
  called(operation: StoreOperation): Promise<void> {
    return new Promise((resolve) => this.#waiting.push({ operation, resolve }));
  }

  /** From now on, `operation` fails as `fault` until {@link heal}. */
  fail(operation: StoreOperation, fault: Fault = "throw"): this {
    this.#faults.set(operation, fault);
    return this;
  }

  heal(): this {
    this.#faults.clear();
    return this;
  }

  get(key: string): Promise<string | null> {
    return this.#run("get", () => this.inner.get(key));
  }

  set(key: string, value: string, options: StoreSetOptions): Promise<void> {
    return this.#run("set", () => this.inner.set(key, value, options));
  }

  delete(key: string): Promise<void> {
    return this.#run("delete", () => this.inner.delete(key));
  }

  list(options: StoreListOptions): Promise<{ keys: StoreKey[]; cursor?: string | undefined }> {
    return this.#run("list", () => this.inner.list!(options));
  }

  #run<T>(operation: StoreOperation, call: () => Promise<T>): Promise<T> {
    for (const waiter of this.#waiting.filter((w) => w.operation === operation)) {
      this.#waiting.splice(this.#waiting.indexOf(waiter), 1);
      waiter.resolve();
    }
    switch (this.#faults.get(operation)) {
      case "throw":
        return Promise.reject(new Error(INJECTED));
      case "hang":
        return new Promise<T>(() => {});
      default:
        return call();
    }
  }
}

/**
 * Forwards to `inner`, and runs a step of the test's choosing inside the next `get`: before it reads, or
 * after it read and before it answers. This places another request (a logout, an admin's delete) exactly at
 * one point of a request in flight, without timers.
 */
export class InterleavingStore implements SessionStore {
  #next: { when: "before" | "after"; step: () => Promise<unknown> } | undefined;
  constructor(readonly inner: SessionStore) {}

  /** The next `get` runs `step` once, `"before"` reading or `"after"` (the read value is then answered). */
  onNextGet(when: "before" | "after", step: () => Promise<unknown>): void {
    this.#next = { when, step };
  }

  async get(key: string): Promise<string | null> {
    const next = this.#next;
    this.#next = undefined; // one-shot: the step's own requests read the store undisturbed
    if (next?.when === "before") await next.step();
    const value = await this.inner.get(key);
    if (next?.when === "after") await next.step();
    return value;
  }

  set(key: string, value: string, options: StoreSetOptions): Promise<void> {
    return this.inner.set(key, value, options);
  }

  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }
}

/**
 * A custom store that breaks the `get` contract: it answers `answer(value)` for what `inner` holds (`null`
 * for a miss), e.g. `undefined` for a miss, the bytes of the value, a number, an already-parsed object.
 */
export class MisansweringStore implements SessionStore {
  constructor(
    readonly inner: SessionStore,
    readonly answer: (value: string | null) => unknown,
  ) {}

  async get(key: string): Promise<string | null> {
    return this.answer(await this.inner.get(key)) as string | null;
  }

  set(key: string, value: string, options: StoreSetOptions): Promise<void> {
    return this.inner.set(key, value, options);
  }

  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }
}

/** Ways a custom store's `get` can answer with the wrong type, and the type name the error then reports. */
export const WRONG_GET_ANSWERS: [what: string, answer: (value: string | null) => unknown, type: string][] = [
  ["an ArrayBuffer (the value's bytes)", (value) => value && new TextEncoder().encode(value).buffer, "ArrayBuffer"],
  ["a number", () => 1, "number"],
  ["an already-parsed object", (value) => value && { value }, "object"],
];

/**
 * A store that keeps entries until deleted (like a D1 table) but reports the expiration it was asked
 * for, so `purgeExpired` can do what a TTL would. Its cursor is a key, as purgeExpired requires.
 */
export class TtlLessStore implements SessionStore {
  readonly entries = new Map<string, { value: string; expiration: number; metadata?: Record<string, unknown> | undefined }>();
  constructor(private readonly now: () => number) {}

  async get(key: string): Promise<string | null> {
    return this.entries.get(key)?.value ?? null;
  }

  async set(key: string, value: string, { ttl, metadata }: StoreSetOptions): Promise<void> {
    this.entries.set(key, { value, expiration: Math.floor(this.now() / 1000) + ttl, metadata });
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async list({ cursor, limit = 1000 }: StoreListOptions): Promise<{ keys: StoreKey[]; cursor?: string | undefined }> {
    const names = [...this.entries.keys()].sort().filter((name) => cursor === undefined || name > cursor);
    const page = names.slice(0, limit);
    const keys = page.map((name) => {
      const { expiration, metadata } = this.entries.get(name)!;
      return { name, expiration, metadata };
    });
    return { keys, cursor: names.length > limit ? page.at(-1) : undefined };
  }
}

type AppData = { count?: number; big?: string; user?: string };

/** What the store app's JSON routes answer. */
export interface StoreAppBody {
  data: AppData;
  id: string;
  isNew: boolean;
  expired: string | null;
  invalid: string | null;
}

/**
 * A small app over the session middleware for store-backed modes: `/read`, `/inc`, `/big/:n` (a value of n
 * bytes), `/small` (drops it), `/user/:name`, `/flash/:message`, `/take` (the flash), `/regenerate`, `/destroy`,
 * `/untouched`.
 */
export function storeApp(options: Partial<SessionOptions> = {}) {
  const app = new Hono<{ Variables: SessionVariables<AppData> }>();
  app.use(session<AppData>({ secret: SECRET, ...options }));
  const answer = async (c: Context<{ Variables: SessionVariables<AppData> }>) => {
    const s = await c.var.session.load();
    const body: StoreAppBody = { data: await s.all(), id: s.id, isNew: s.isNew, expired: s.expired ?? null, invalid: s.invalid ?? null };
    return c.json(body);
  };
  app.get("/read", (c) => answer(c));
  app.get("/inc", async (c) => {
    c.var.session.set("count", ((await c.var.session.get("count")) ?? 0) + 1);
    return answer(c);
  });
  app.get("/big/:n", (c) => {
    c.var.session.set("big", "x".repeat(Number(c.req.param("n"))));
    return answer(c);
  });
  app.get("/small", (c) => {
    c.var.session.delete("big");
    return answer(c);
  });
  app.get("/user/:name", (c) => {
    c.var.session.set("user", c.req.param("name"));
    return answer(c);
  });
  app.get("/regenerate", (c) => {
    c.var.session.regenerate();
    return answer(c);
  });
  app.get("/flash/:message", (c) => {
    c.var.session.flash("notice", c.req.param("message"));
    return c.text("flashed");
  });
  app.get("/take", async (c) => c.json({ notice: (await c.var.session.takeFlash<string>("notice")) ?? null }));
  app.get("/destroy", (c) => {
    c.var.session.destroy();
    return c.text("bye");
  });
  app.get("/untouched", (c) => c.text("ok"));
  return app;
}

/** One request through a cookie jar: the response, its Set-Cookie for the session, and the JSON body if any. */
export async function visit(app: { request: Hono["request"] }, path: string, cookies: ReturnType<typeof jar>, env?: object) {
  const res = await app.request(path, { headers: cookies.header() }, env);
  const setCookie = cookies.take(res);
  const text = await res.text();
  const body = res.headers.get("Content-Type")?.includes("json") ? (JSON.parse(text) as StoreAppBody) : undefined;
  return { res, status: res.status, setCookie, text, body: body! };
}
