/**
 * The Hono adapter watches the handler's responses only from the session's first use: a route that never
 * touches the session gets Hono's own response methods and its response as made, and a route that does gets
 * its Set-Cookie and `Cache-Control: no-store` on every response shape, whenever the session was first used.
 */
import { Hono, type Context } from "hono";
import { stream } from "hono/streaming";
import { describe, expect, it } from "vitest";
import { session, type SessionVariables } from "../src/index.js";
import { SECRET, type Data } from "./helpers.js";

type Env = { Variables: SessionVariables<Data> };
type Method = "body" | "text" | "json" | "html" | "newResponse" | "redirect";
const METHODS: Method[] = ["body", "text", "json", "html", "newResponse", "redirect"];

/** An app with the session, behind a middleware that notes `c`'s response methods before and after both. */
function watchedApp() {
  const app = new Hono<Env>();
  const seen: { before: unknown[]; after: unknown[] }[] = [];
  app.use(async (c, next) => {
    const methods = c as unknown as Record<Method, unknown>;
    const before = METHODS.map((name) => methods[name]);
    await next();
    seen.push({ before, after: METHODS.map((name) => methods[name]) });
  });
  app.use(session<Data>({ secret: SECRET }));
  return { app, seen };
}

describe("a route that never touches the session", () => {
  it("keeps Hono's own response methods and sends its response as made: no copy, no Cache-Control, no cookie", async () => {
    const { app, seen } = watchedApp();
    const made: Response[] = [];
    app.get("/free", (c) => {
      const res = c.json({ free: true });
      made.push(res);
      return res;
    });
    const res = await app.request("/free", { headers: { Cookie: "__Host-session=whatever" } });
    expect(res).toBe(made[0]);
    expect(res.headers.get("Cache-Control")).toBeNull();
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(seen[0]!.after).toEqual(seen[0]!.before);
  });

  it("the same app's routes that do touch it still watch their responses", async () => {
    const { app, seen } = watchedApp();
    app.get("/login", (c) => {
      c.var.session.set("user", "alice");
      return c.text("hi");
    });
    const res = await app.request("/login");
    expect(res.headers.getSetCookie()).toHaveLength(1);
    expect(seen[0]!.after).not.toEqual(seen[0]!.before);
  });
});

describe("a route that touches the session: Set-Cookie and Cache-Control on every response shape", () => {
  const shapes: [string, (c: Context<Env>) => Response | Promise<Response>][] = [
    ["c.json()", (c) => c.json({ ok: true })],
    ["c.text()", (c) => c.text("ok")],
    ["c.html()", (c) => c.html("<p>ok</p>")],
    ["c.body()", (c) => c.body("ok")],
    ["c.body(null)", (c) => c.body(null, 204)],
    ["c.redirect()", (c) => c.redirect("/home")],
    ["new Response()", () => new Response("ok")],
    ["Response.redirect()", () => Response.redirect("https://example.com/next", 303)],
    ["stream()", (c) => stream(c, async (s) => void (await s.write("ok")))],
  ];

  for (const [name, make] of shapes) {
    for (const when of ["before", "after"] as const) {
      it(`${name}, the session first used ${when} the response was made`, async () => {
        const app = new Hono<Env>();
        app.use(session<Data>({ secret: SECRET }));
        app.get("/", async (c) => {
          if (when === "before") c.var.session.set("user", "alice");
          const res = await make(c);
          if (when === "after") c.var.session.set("user", "alice");
          return res;
        });
        const res = await app.request("/");
        const cookies = res.headers.getSetCookie();
        expect(cookies).toHaveLength(1);
        expect(cookies[0]).toMatch(/^__Host-session=[^;]+; /);
        expect(res.headers.get("Cache-Control")).toBe("no-store");
        await res.arrayBuffer();
      });
    }
  }

  it("a session first used in a middleware before the handler: the handler's c.json() gets its cookie in place", async () => {
    const app = new Hono<Env>();
    const made: Response[] = [];
    app.use(session<Data>({ secret: SECRET }));
    app.use(async (c, next) => {
      await c.var.session.get("user");
      await next();
    });
    app.get("/", (c) => {
      c.var.session.set("user", "alice");
      const res = c.json({ ok: true });
      made.push(res);
      return res;
    });
    const res = await app.request("/");
    expect(res).toBe(made[0]);
    expect(res.headers.getSetCookie()).toHaveLength(1);
  });
});
