/**
 * The framework adapters (edge-session/sveltekit, /astro, /react-router, /next), each driven the way its
 * framework calls it (SvelteKit's handle({ event, resolve }), Astro's (context, next), React Router's
 * ({ request, context }, next), Next's route handlers and cookies() store), over one app: a visit counter,
 * login with regenerate, idle expiry on an injected clock, logout, a tampered cookie.
 */
import { describe, expect, expectTypeOf, it, vi } from "vitest";
import { SessionConfigError, type Session } from "../src/index.js";
import { sessionEngine as cookieEngine, type SessionEngineOptions as CookieEngineOptions } from "../src/cookie/index.js";
import { sessionHandle, sessionHandleOver, type SessionHandle } from "../src/sveltekit/index.js";
import {
  sessionMiddleware as astroMiddleware,
  sessionMiddlewareOver as astroMiddlewareOver,
  type AstroSessionMiddleware,
} from "../src/astro/index.js";
import {
  sessionMiddleware as routerMiddleware,
  sessionMiddlewareOver as routerMiddlewareOver,
  type RouterSessionMiddleware,
  type SessionContextKey,
} from "../src/react-router/index.js";
import { nextSessions, nextSessionsOver, type NextCookieOptions, type NextCookies, type NextSessions } from "../src/next/index.js";
import { parseSetCookie } from "../src/next/set-cookie.js";
import { jar, SECRET, testClock } from "./helpers.js";

type Data = { count: number; user: string };
/** The event or context a framework types through App.Locals. */
type WithLocals = { request: Request; locals: { session: Session<Data> } };

/** The app's routes, whatever the framework: what a page, loader, action or handler does with the session. */
async function route(request: Request, session: Session<Data>): Promise<Response> {
  const { pathname } = new URL(request.url);
  if (pathname === "/login") {
    session.regenerate();
    session.set("user", "alice");
    return new Response("welcome");
  }
  if (pathname === "/logout") {
    session.destroy();
    return new Response("bye");
  }
  if (pathname === "/me") return new Response((await session.get("user")) ?? "anonymous");
  const count = ((await session.get("count")) ?? 0) + 1;
  session.set("count", count);
  return new Response(`visit ${count}`);
}

type Serve = (request: Request) => Promise<Response>;

/** Each framework calling its adapter, as a function from a request to the response the framework sends. */
const sveltekit =
  (handle: SessionHandle<WithLocals>): Serve =>
  (request) => {
    const event = { request, locals: {} as { session: Session<Data> } };
    return handle({ event, resolve: (e) => route(e.request, e.locals.session) });
  };
const astro =
  (onRequest: AstroSessionMiddleware<WithLocals>): Serve =>
  (request) => {
    const context = { request, locals: {} as { session: Session<Data> } };
    return onRequest(context, () => route(request, context.locals.session));
  };
const reactRouter =
  (sessionContext: SessionContextKey<Data>, middleware: RouterSessionMiddleware): Serve =>
  (request) => {
    const values = new Map<unknown, unknown>(); // a RouterContextProvider
    const context = { set: (key: unknown, value: unknown) => void values.set(key, value) };
    return middleware({ request, context }, () => route(request, values.get(sessionContext) as Session<Data>));
  };
const nextRoute = (sessions: NextSessions<Data>): Serve => sessions.route((request, session) => route(request, session));
const nextAction =
  (sessions: NextSessions<Data>): Serve =>
  async (request) => {
    const store = nextCookieStore(request);
    const response = await sessions.run(store, (session) => route(request, session));
    for (const line of store.written) response.headers.append("Set-Cookie", line);
    return response;
  };

/**
 * Each adapter, built with the same options: the options form (the root engine, every mode), and the form over
 * an engine, given one of `edge-session/cookie` (what a cookie-only app bundles small with).
 */
const adapters: [string, (options: CookieEngineOptions<any>) => Serve][] = [
  ["sveltekit handle", (options) => sveltekit(sessionHandle<Data, WithLocals>(options))],
  ["sveltekit handle over a cookie engine", (options) => sveltekit(sessionHandleOver(cookieEngine<Data, WithLocals>(options)))],
  ["astro middleware", (options) => astro(astroMiddleware<Data, WithLocals>(options))],
  ["astro middleware over a cookie engine", (options) => astro(astroMiddlewareOver(cookieEngine<Data, WithLocals>(options)))],
  [
    "react-router middleware",
    (options) => {
      const sessionContext: SessionContextKey<Data> = {}; // what createContext<Session<Data>>() returns
      return reactRouter(sessionContext, routerMiddleware(sessionContext, options));
    },
  ],
  [
    "react-router middleware over a cookie engine",
    (options) => {
      const sessionContext: SessionContextKey<Data> = {};
      return reactRouter(sessionContext, routerMiddlewareOver(sessionContext, cookieEngine<Data>(options)));
    },
  ],
  ["next route handler", (options) => nextRoute(nextSessions<Data>(options))],
  ["next route handler over a cookie engine", (options) => nextRoute(nextSessionsOver(cookieEngine<Data>(options)))],
  ["next server action (cookies())", (options) => nextAction(nextSessions<Data>(options))],
  ["next server action (cookies()) over a cookie engine", (options) => nextAction(nextSessionsOver(cookieEngine<Data>(options)))],
];

/** Next's cookies() store for a request, writing back Set-Cookie lines as Next serializes what set() received. */
function nextCookieStore(request: Request): NextCookies & { written: string[] } {
  const header = request.headers.get("Cookie") ?? "";
  const pairs = header ? header.split("; ").map((pair) => pair.split("=") as [string, string]) : [];
  const written: string[] = [];
  return {
    written,
    getAll: () => pairs.map(([name, value]) => ({ name, value })),
    set(name: string, value: string, options: NextCookieOptions) {
      expect(options).toMatchObject({ path: "/", httpOnly: true, secure: true, sameSite: "lax" });
      written.push(`${name}=${value}${options.maxAge !== undefined ? `; Max-Age=${options.maxAge}` : ""}; Path=/`);
    },
  };
}

describe.each(adapters)("%s", (_name, build) => {
  const clock = testClock();
  const serve = build({ secret: SECRET, idleTimeout: 300, now: clock.now });
  const visit = async (browser: ReturnType<typeof jar>, path = "/") => {
    const res = await serve(new Request(`https://app.example${path}`, { headers: browser.header() }));
    browser.take(res);
    return res.text();
  };

  it("counts visits in the sealed cookie", async () => {
    const browser = jar();
    expect(await visit(browser)).toBe("visit 1");
    expect(browser.value).toBeDefined();
    expect(await visit(browser)).toBe("visit 2");
    expect(await visit(browser)).toBe("visit 3");
  });

  it("logs in with a new session id, keeps the data, and logs out", async () => {
    const browser = jar();
    await visit(browser);
    const before = browser.value;
    expect(await visit(browser, "/login")).toBe("welcome");
    expect(browser.value).not.toBe(before);
    expect(await visit(browser, "/me")).toBe("alice");
    expect(await visit(browser)).toBe("visit 2");
    expect(await visit(browser, "/logout")).toBe("bye");
    expect(browser.value).toBeUndefined();
    expect(await visit(browser, "/me")).toBe("anonymous");
  });

  it("ends an idle session once idleTimeout has passed on the injected clock", async () => {
    const browser = jar();
    await visit(browser, "/login");
    clock.advance(299);
    expect(await visit(browser, "/me")).toBe("alice");
    clock.advance(301);
    expect(await visit(browser, "/me")).toBe("anonymous");
  });

  it("opens a tampered cookie to a fresh session, not an error", async () => {
    const browser = jar();
    await visit(browser, "/login");
    const value = browser.value!;
    browser.value = value.slice(0, -4) + (value.endsWith("AAAA") ? "BBBB" : "AAAA");
    expect(await visit(browser, "/me")).toBe("anonymous");
    expect(await visit(browser)).toBe("visit 1");
  });
});

describe("next: server components and Set-Cookie parsing", () => {
  it("read() writes nothing, even when the handler changed the session", async () => {
    const sessions = nextSessions<Data>({ secret: SECRET });
    const store = nextCookieStore(new Request("https://app.example/"));
    expect(await sessions.read(store, async (session) => (session.set("count", 1), "rendered"))).toBe("rendered");
    expect(store.written).toEqual([]);
  });

  it("run() and read() look at Next's cookies on the session's first use only, and then once", async () => {
    const sessions = nextSessions<Data>({ secret: SECRET });
    const store = nextCookieStore(new Request("https://app.example/", { headers: { Cookie: "theme=dark" } }));
    const getAll = vi.spyOn(store, "getAll");
    expect(await sessions.read(store, () => "rendered")).toBe("rendered");
    expect(await sessions.run(store, () => "done")).toBe("done");
    expect(getAll).not.toHaveBeenCalled();
    expect(await sessions.run(store, async (session) => [await session.get("count"), await session.has("count")])).toEqual([
      undefined,
      false,
    ]);
    expect(getAll).toHaveBeenCalledTimes(1);
  });

  it("parses every attribute the engine writes into cookies().set options", () => {
    expect(
      parseSetCookie(
        "__Host-s=a.b~c; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; Domain=x.example; HttpOnly; Secure; SameSite=Strict; Partitioned",
      ),
    ).toEqual({
      name: "__Host-s",
      value: "a.b~c",
      options: {
        maxAge: 0,
        expires: new Date(0),
        path: "/",
        domain: "x.example",
        httpOnly: true,
        secure: true,
        sameSite: "strict",
        partitioned: true,
      },
    });
  });
});

describe("the forms over an engine check what they are given when the app builds them", () => {
  const builders: [string, string, (engine: never) => unknown][] = [
    ["sessionHandleOver", "sessionHandle", (engine) => sessionHandleOver(engine)],
    ["sessionMiddlewareOver", "sessionMiddleware", (engine) => astroMiddlewareOver(engine)],
    ["sessionMiddlewareOver", "sessionMiddleware", (engine) => routerMiddlewareOver({} as SessionContextKey<Data>, engine)],
    ["nextSessionsOver", "nextSessions", (engine) => nextSessionsOver(engine)],
  ];

  it.each(builders)("%s refuses options, nothing or a look-alike with SessionConfigError naming %s", (adapter, optionsForm, build) => {
    for (const wrong of [{ secret: SECRET }, undefined, null, "engine", { start: "not a function" }]) {
      expect(() => build(wrong as never)).toThrow(SessionConfigError);
      expect(() => build(wrong as never)).toThrow(`${adapter}() takes a session engine`);
      expect(() => build(wrong as never)).toThrow(`call ${optionsForm}(options)`);
    }
    expect(build(cookieEngine({ secret: SECRET }) as never)).toBeDefined(); // control: an engine is taken
  });
});

/**
 * The frameworks' own hook types, as their packages declare them (those packages are not installed here: the
 * adapters import nothing of them): each adapter must be assignable to its framework's type.
 */
describe("the adapters' types fit their frameworks'", () => {
  type Env = { SESSION_SECRET: string };
  // @sveltejs/kit 2: RequestEvent (in part) and Handle.
  interface KitRequestEvent {
    request: Request;
    url: URL;
    params: Record<string, string>;
    cookies: { get(name: string): string | undefined };
    locals: { session: Session<Data> };
    platform?: { env: Env } | undefined;
  }
  type KitHandle = (input: {
    event: KitRequestEvent;
    resolve: (event: KitRequestEvent, opts?: { transformPageChunk?: (input: { html: string }) => string }) => Response | Promise<Response>;
  }) => Response | Promise<Response>;
  // astro 5: APIContext (in part) and MiddlewareHandler.
  interface AstroAPIContext {
    request: Request;
    url: URL;
    locals: { session: Session<Data>; runtime: { env: Env } };
    redirect(path: string, status?: number): Response;
  }
  type AstroMiddlewareHandler = (
    context: AstroAPIContext,
    next: (rewritePayload?: string | URL | Request) => Promise<Response>,
  ) => Promise<Response> | Response | Promise<void> | void;
  // react-router 7: RouterContext, RouterContextProvider and MiddlewareFunction.
  interface RouterContext<T = unknown> {
    defaultValue?: T;
  }
  interface RouterContextProvider {
    get<T>(context: RouterContext<T>): T;
    set<C extends RouterContext>(context: C, value: C extends RouterContext<infer T> ? T : never): void;
  }
  type MiddlewareFunction = (
    args: { request: Request; params: Record<string, string | undefined>; context: Readonly<RouterContextProvider> },
    next: () => Promise<Response>,
  ) => Response | undefined | Promise<Response | undefined>;

  it("sessionHandle is a Handle, sessionMiddleware an Astro MiddlewareHandler and a React Router MiddlewareFunction", () => {
    const handle: KitHandle = sessionHandle<Data, { request: Request; locals: object; platform?: { env: Env } | undefined }>({
      secret: (event) => event.platform!.env.SESSION_SECRET,
    });
    const onRequest: AstroMiddlewareHandler = astroMiddleware<Data, { request: Request; locals: { runtime: { env: Env } } }>({
      secret: (context) => context.locals.runtime.env.SESSION_SECRET,
    });
    const sessionContext: RouterContext<Session<Data>> = {};
    const middleware: MiddlewareFunction = routerMiddleware(sessionContext, { secret: SECRET });
    expect([handle, onRequest, middleware].map((f) => typeof f)).toEqual(["function", "function", "function"]);
  });

  it("the forms over an engine take a cookie-only engine typed with the framework's context, its data type included", () => {
    type KitEvent = { request: Request; locals: object; platform?: { env: Env } | undefined };
    const handle: KitHandle = sessionHandleOver(cookieEngine<Data, KitEvent>({ secret: (event) => event.platform!.env.SESSION_SECRET }));
    type AstroContext = { request: Request; locals: { runtime: { env: Env } } };
    const onRequest: AstroMiddlewareHandler = astroMiddlewareOver(
      cookieEngine<Data, AstroContext>({ secret: (context) => context.locals.runtime.env.SESSION_SECRET }),
    );
    const sessionContext: RouterContext<Session<Data>> = {};
    const middleware: MiddlewareFunction = routerMiddlewareOver(sessionContext, cookieEngine<Data>({ secret: SECRET }));
    const sessions = nextSessionsOver(cookieEngine<Data>({ secret: () => SECRET }));
    expectTypeOf(sessions).toEqualTypeOf<NextSessions<Data>>();
    // @ts-expect-error Next calls option functions with nothing: an engine wanting a context is refused
    nextSessionsOver(cookieEngine<Data, Env>({ secret: (env) => env.SESSION_SECRET }));
    // @ts-expect-error the key's data type is the engine's
    routerMiddlewareOver(sessionContext, cookieEngine<{ other: number }>({ secret: SECRET }));
    expect([handle, onRequest, middleware, sessions.route].map((f) => typeof f)).toEqual(["function", "function", "function", "function"]);
  });
});
