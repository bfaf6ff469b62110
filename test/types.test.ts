/**
 * Type tests of the public API. `npm run typecheck` (tsc) checks them: an `expectTypeOf` that does not hold,
 * or a `@ts-expect-error` line that compiles, fails it. Vitest runs them too, where a few requests make sure
 * the typed code also works.
 */
import { env } from "cloudflare:workers";
import { Hono, type MiddlewareHandler } from "hono";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { SessionObject } from "../src/durable-object/object.js";
import {
  DurableObjectStore,
  KVStore,
  listActiveSessions,
  MemoryStore,
  revokeAllSessions,
  session,
  SessionError,
  sessionEngine,
  withSession,
  type KVNamespaceLike,
  type Session,
  type SessionData,
  type SessionEngine,
  type SessionErrorCode,
  type SessionErrors,
  type SessionObjectNamespace,
  type SessionOptions,
  SessionConfigError,
  SessionStoreError,
  SessionTooLargeError,
  SessionStepUpRequiredError,
  SessionCsrfError,
  SessionRequiredError,
  SessionDeviceLimitError,
  SessionLimitError,
  SessionBindingError,
  SessionSchemaError,
  type SessionVariables,
  type StoreOption,
} from "../src/index.js";
import type { KnownKeys } from "../src/core/known-keys.js";
import { SECRET } from "./helpers.js";

type Data = { user: string; visits: number; tags?: string[] };

/** An app's bindings as `wrangler types` (or a hand-written Env) declares them, with the Workers types. */
type Bindings = {
  SESSION_SECRET: string;
  SESSIONS: KVNamespace;
  SESSION_OBJECTS: DurableObjectNamespace<SessionObject>;
};
type AppEnv = { Bindings: Bindings };

const bindings: Bindings = { SESSION_SECRET: SECRET, SESSIONS: env.SESSIONS, SESSION_OBJECTS: env.SESSION_OBJECTS };

describe("Session<Data>", () => {
  it("types keys and values by the session's data", async () => {
    const s = sessionEngine<Data>({ secret: SECRET }).start(new Headers(), undefined).session;
    expectTypeOf(s.get("user")).toEqualTypeOf<Promise<string | undefined>>();
    expectTypeOf(s.get("tags")).toEqualTypeOf<Promise<string[] | undefined>>();
    expectTypeOf(s.all()).toEqualTypeOf<Promise<Partial<Data>>>();
    // Type errors only: never called.
    const misuse = () => {
      // @ts-expect-error: not a key of Data
      s.set("admin", true);
      // @ts-expect-error: visits is a number
      s.set("visits", "1");
      // @ts-expect-error: not a key of Data
      s.delete("admin");
      // @ts-expect-error: not a key of Data
      void s.has("admin");
    };
    s.set("user", "alice");
    s.set("visits", 1);
    expect(misuse).toBeTypeOf("function");
    expect(await s.get("user")).toBe("alice");
    expect(await s.get("visits")).toBe(1);
  });

  it("takes any key and value without a Data type", () => {
    expectTypeOf<Session>().toEqualTypeOf<Session<SessionData>>();
    expectTypeOf<Session["get"]>().parameter(0).toEqualTypeOf<string>();
    expectTypeOf<ReturnType<Session["get"]>>().toEqualTypeOf<Promise<unknown>>();
    expectTypeOf<Session["takeFlash"]>().returns.toEqualTypeOf<Promise<unknown>>();
  });
});

describe("Hono middleware", () => {
  it("types c.var.session through SessionVariables<Data>", async () => {
    const app = new Hono<AppEnv & { Variables: SessionVariables<Data> }>();
    app.use(session<Data, AppEnv>({ secret: (c) => c.env.SESSION_SECRET }));
    app.get("/", async (c) => {
      expectTypeOf(c.var.session).toEqualTypeOf<Session<Data>>();
      expectTypeOf(c.get("session")).toEqualTypeOf<Session<Data>>();
      c.var.session.set("user", "alice");
      return c.text((await c.var.session.get("user")) ?? "");
    });
    const res = await app.request("/", {}, bindings);
    expect(await res.text()).toBe("alice");
    expect(res.headers.get("Set-Cookie")).toContain("__Host-session=");
  });

  it("returns a middleware whose Env carries the session variable", () => {
    const middleware = session<Data, AppEnv>({ secret: (c) => c.env.SESSION_SECRET });
    expectTypeOf(middleware).toEqualTypeOf<MiddlewareHandler<AppEnv & { Variables: SessionVariables<Data> }>>();
    // Handlers registered after it on a chained app see the typed variable.
    new Hono<AppEnv>().use(middleware).get("/", async (c) => {
      expectTypeOf(c.var.session).toEqualTypeOf<Session<Data>>();
      return c.text("");
    });
  });

  it("types per-request options from the app's Bindings, with no cast", () => {
    const options: SessionOptions<AppEnv> = {
      secret: (c) => {
        expectTypeOf(c.env).toEqualTypeOf<Bindings>();
        return c.env.SESSION_SECRET;
      },
      overflow: (c) => c.env.SESSIONS,
      revocation: { namespace: (c) => c.env.SESSION_OBJECTS },
      shouldRoll: (c) => c.req.path !== "/poll",
      idleTimeout: 300,
    };
    const serverSide: SessionOptions<AppEnv> = { secret: (c) => c.env.SESSION_SECRET, store: (c) => c.env.SESSIONS };
    expect(typeof session<Data, AppEnv>(options)).toBe("function");
    expect(typeof session<Data, AppEnv>(serverSide)).toBe("function");

    const typos: SessionOptions<AppEnv> = {
      // @ts-expect-error: not a binding of the app
      secret: (c) => c.env.SESSION_SECRETS,
      // @ts-expect-error: a string is neither a KV namespace nor a SessionStore
      store: (c) => c.env.SESSION_SECRET,
    };
    const wrongNamespace: SessionOptions<AppEnv> = {
      secret: SECRET,
      // @ts-expect-error: a KV namespace is not the SessionObject namespace
      revocation: { namespace: (c) => c.env.SESSIONS },
    };
    expect([typos, wrongNamespace]).toHaveLength(2);
  });

  it("keeps untyped options (no Env) working, as before", () => {
    const options: SessionOptions = { secret: (c) => c.env.ANYTHING_GOES };
    expectTypeOf(options.secret).not.toBeAny();
    expect(typeof session(options)).toBe("function");
  });
});

describe("sessionEngine and withSession", () => {
  type Context = { secret: string; polling: boolean };

  it("hands option functions the engine's context C", () => {
    const engine = sessionEngine<Data, Context>({
      secret: (context) => {
        expectTypeOf(context).toEqualTypeOf<Context>();
        return context.secret;
      },
      shouldRoll: (context) => !context.polling,
    });
    expectTypeOf(engine).toEqualTypeOf<SessionEngine<Data, Context>>();
    expectTypeOf(engine.start).parameter(1).toEqualTypeOf<Context>();
    // @ts-expect-error: the context must be a Context
    engine.start(new Headers(), { secret: SECRET });
    const request = engine.start(new Headers(), { secret: SECRET, polling: false });
    expectTypeOf(request.session).toEqualTypeOf<Session<Data>>();
    expectTypeOf(request.commit()).toEqualTypeOf<Promise<string[]>>();
  });

  it("infers C from the option functions", () => {
    const engine = sessionEngine({ secret: (env: Bindings) => env.SESSION_SECRET, store: (env: Bindings) => env.SESSIONS });
    expectTypeOf(engine).toEqualTypeOf<SessionEngine<SessionData, Bindings>>();
  });

  it("types the withSession handler's session by the engine", async () => {
    const engine = sessionEngine<Data, Bindings>({ secret: (e) => e.SESSION_SECRET });
    const request = new Request("https://example.com/");
    const res = withSession(engine, request, bindings, async (s) => {
      expectTypeOf(s).toEqualTypeOf<Session<Data>>();
      s.set("visits", 1);
      return new Response(String(await s.get("visits")));
    });
    expectTypeOf(res).toEqualTypeOf<Promise<Response>>();
    expect(await (await res).text()).toBe("1");
    // @ts-expect-error: the context is the engine's Bindings
    void withSession(engine, request, { SESSION_SECRET: SECRET }, async () => new Response());
    // @ts-expect-error: the handler must return a Response
    void withSession(engine, request, bindings, async () => "text");
  });
});

describe("errors", () => {
  /** What an app's error handler might do: narrowing by `code` reaches each class's own fields. */
  function detail(error: SessionErrors): string {
    switch (error.code) {
      case "TOO_LARGE":
        expectTypeOf(error).toEqualTypeOf<SessionTooLargeError>();
        return `${error.size}/${error.limit}`;
      case "STORE_UNAVAILABLE":
        expectTypeOf(error).toEqualTypeOf<SessionStoreError>();
        return error.operation;
      case "DEVICE_LIMIT":
        expectTypeOf(error).toEqualTypeOf<SessionDeviceLimitError>();
        return `${error.maxSessions}`;
      case "STEP_UP_REQUIRED":
        expectTypeOf(error).toEqualTypeOf<SessionStepUpRequiredError>();
        return `${error.authenticatedAgo ?? "never"}>${error.maxAge}`;
      case "CSRF":
        expectTypeOf(error).toEqualTypeOf<SessionCsrfError>();
        return error.reason;
      case "SESSION_REQUIRED":
        expectTypeOf(error).toEqualTypeOf<SessionRequiredError>();
        return error.reason;
      case "LIMIT":
        expectTypeOf(error).toEqualTypeOf<SessionLimitError>();
        return `${error.limit}<=${error.max}`;
      case "BINDING":
        expectTypeOf(error).toEqualTypeOf<SessionBindingError>();
        return error.reason;
      case "SCHEMA":
        expectTypeOf(error).toEqualTypeOf<SessionSchemaError>();
        return error.paths.join(",");
      case "CONFIG":
      case "CONFLICT":
      case "LOCK_TIMEOUT":
      case "NOT_LOADED":
      case "CLOSED":
        return error.code;
      default: {
        const unreachable: never = error; // every code is handled above
        return unreachable;
      }
    }
  }

  it("narrows SessionErrors by code", () => {
    expectTypeOf<SessionErrors["code"]>().toEqualTypeOf<SessionErrorCode>();
    expect(detail(new SessionTooLargeError(5000, 4096))).toBe("5000/4096");
    expect(detail(new SessionConfigError("x"))).toBe("CONFIG");
  });

  it("types a caught SessionError's code", () => {
    const caught: unknown = new SessionConfigError("x");
    if (caught instanceof SessionError) expectTypeOf(caught.code).toEqualTypeOf<SessionErrorCode>();
    expect(caught).toBeInstanceOf(SessionError);
  });
});

describe("bindings are taken structurally", () => {
  it("accepts the Workers KV and Durable Object bindings as they are typed", () => {
    expectTypeOf<KVNamespace>().toExtend<KVNamespaceLike>();
    expectTypeOf<DurableObjectNamespace<SessionObject>>().toExtend<SessionObjectNamespace>();
    // A hand-written Env often leaves out the type parameter.
    expectTypeOf<DurableObjectNamespace>().toExtend<SessionObjectNamespace>();
    expectTypeOf<KVNamespace>().toExtend<StoreOption>();
    expect(new KVStore(env.SESSIONS).namespace).toBe(env.SESSIONS);
    expect(new DurableObjectStore(env.SESSION_OBJECTS).namespace).toBe(env.SESSION_OBJECTS);
    expect(typeof listActiveSessions).toBe("function");
  });

  it("tells the two bindings apart", async () => {
    expectTypeOf<KVNamespace>().not.toExtend<SessionObjectNamespace>();
    expectTypeOf<DurableObjectNamespace<SessionObject>>().not.toExtend<KVNamespaceLike>();
    expectTypeOf<MemoryStore>().not.toExtend<KVNamespaceLike>();
    // @ts-expect-error: a KV namespace is not the SessionObject namespace
    await expect(revokeAllSessions(env.SESSIONS, "alice")).rejects.toThrow(SessionConfigError);
    // @ts-expect-error: the SessionObject namespace is not a KV namespace
    expect(() => new KVStore(env.SESSION_OBJECTS)).toThrow(SessionConfigError);
  });
});

describe("known option keys", () => {
  it("a key list typed KnownKeys<Options> must name every option and nothing else", () => {
    type Options = { idleTimeout?: number | undefined; secret: string };
    const exact: KnownKeys<Options> = { idleTimeout: true, secret: true };
    // @ts-expect-error: idleTimeout is missing, so a new option cannot be left out of the check
    const missing: KnownKeys<Options> = { secret: true };
    // @ts-expect-error: idleTimout is not an option
    const extra: KnownKeys<Options> = { idleTimeout: true, secret: true, idleTimout: true };
    expect([exact, missing, extra].map((keys) => Object.keys(keys).length)).toEqual([2, 1, 3]);
    expect(() => sessionEngine({ secret: SECRET, idleTimeout: 300 })).not.toThrow();
    // @ts-expect-error: TypeScript refuses the typo; JavaScript callers get a SessionConfigError
    expect(() => sessionEngine({ secret: SECRET, idleTimout: 300 })).toThrow(/did you mean idleTimeout\?/);
  });
});
