/**
 * The framework adapters (edge-session/sveltekit, /astro, /react-router, /next), each driven the way its
 * framework calls it (SvelteKit's handle({ event, resolve }), Astro's (context, next), React Router's
 * ({ request, context }, next), Next's route handlers and cookies() store), over one app: a visit counter,
 * login with regenerate, idle expiry on an injected clock, logout, a tampered cookie.
 */
import { describe, expect, it } from "vitest";
import type { Session, SessionEngineOptions } from "../src/index.js";
import { sessionHandle } from "../src/sveltekit/index.js";
import { sessionMiddleware as astroMiddleware } from "../src/astro/index.js";
import { sessionMiddleware as routerMiddleware, type SessionContextKey } from "../src/react-router/index.js";
import { nextSessions, type NextCookieOptions, type NextCookies } from "../src/next/index.js";
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

/** Each adapter, built with the same options, as a function from a request to the response the framework sends. */
const adapters: [string, (options: SessionEngineOptions<any>) => Serve][] = [
  [
    "sveltekit handle",
    (options) => {
      const handle = sessionHandle<Data, WithLocals>(options);
      return (request) => {
        const event = { request, locals: {} as { session: Session<Data> } };
        return handle({ event, resolve: (e) => route(e.request, e.locals.session) });
      };
    },
  ],
  [
    "astro middleware",
    (options) => {
      const onRequest = astroMiddleware<Data, WithLocals>(options);
      return (request) => {
        const context = { request, locals: {} as { session: Session<Data> } };
        return onRequest(context, () => route(request, context.locals.session));
      };
    },
  ],
  [
    "react-router middleware",
    (options) => {
      const sessionContext: SessionContextKey<Data> = {}; // what createContext<Session<Data>>() returns
      const middleware = routerMiddleware(sessionContext, options);
      return (request) => {
        const values = new Map<unknown, unknown>(); // a RouterContextProvider
        const context = { set: (key: unknown, value: unknown) => void values.set(key, value) };
        return middleware({ request, context }, () => route(request, values.get(sessionContext) as Session<Data>));
      };
    },
  ],
  [
    "next route handler",
    (options) => {
      const GET = nextSessions<Data>(options).route((request, session) => route(request, session));
      return (request) => GET(request);
    },
  ],
  [
    "next server action (cookies())",
    (options) => {
      const sessions = nextSessions<Data>(options);
      return async (request) => {
        const store = nextCookieStore(request);
        const response = await sessions.run(store, (session) => route(request, session));
        for (const line of store.written) response.headers.append("Set-Cookie", line);
        return response;
      };
    },
  ],
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
