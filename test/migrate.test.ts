/**
 * Importers (edge-session/migrate): cookies made by the real iron-session, @hono/session and hono-sessions packages, opened
 * once and re-sealed as an edge-session session on the first request, the old cookie expired in the same
 * response; forged, expired, wrong-secret and oversized old cookies leave a fresh session, never an error.
 */
import { Hono } from "hono";
import { useSession, type SessionEnv } from "@hono/session";
import { CookieStore, sessionMiddleware, type Session as HonoSessionsSession } from "hono-sessions";
import { sealData } from "iron-session";
import { describe, expect, it } from "vitest";
import { SessionConfigError, sessionEngine, withSession } from "../src/index.js";
import { honoSession, honoSessions, ironSession, migrateSession, type MigrateResult, type SessionImporter } from "../src/migrate/index.js";
import { cookieJar, SECRET } from "./helpers.js";

const IRON_PASSWORD = "iron-password-0123456789-abcdefghijklmnop";
const IRON_OLD_PASSWORD = "iron-old-password-9876543210-zyxwvutsrqpon";
const AUTH_SECRET = "hono-session-secret-0123456789-abcdefghijkl";

type Data = { user: string; roles: string[]; big: string };

/** An edge-session app that imports from `from`, reporting the outcome in a header. */
function app(from: SessionImporter, options: { now?: () => number; chunks?: number; maxBytes?: number } = {}) {
  const { now = Date.now, chunks, maxBytes } = options;
  const sessions = sessionEngine<Data, null>({ secret: SECRET, now, ...(chunks ? { cookie: { chunks } } : {}) });
  return (cookie: string) => {
    const request = new Request("https://app.example/", { headers: { Cookie: cookie } });
    return withSession(sessions, request, null, async (session) => {
      const result: MigrateResult = await migrateSession(request.headers, session, from, { now, maxBytes });
      const res = Response.json({ ...result, user: (await session.get("user")) ?? null, roles: (await session.get("roles")) ?? null });
      for (const line of result.setCookies) res.headers.append("Set-Cookie", line);
      return res;
    });
  };
}

async function visit(serve: (cookie: string) => Promise<Response>, jar: ReturnType<typeof cookieJar>, extra = "") {
  const cookie = [jar.header().Cookie, extra].filter(Boolean).join("; ");
  const res = await serve(cookie);
  const lines = jar.take(res);
  return { res, lines, body: (await res.json()) as MigrateResult & { user: string | null; roles: string[] | null } };
}

/** A cookie of @hono/session's own middleware (stateless, no storage), as a browser would send it back. */
async function honoSessionCookie(data: Record<string, unknown>, duration?: { absolute: number }): Promise<string> {
  const old = new Hono<SessionEnv>();
  old.use(useSession({ secret: AUTH_SECRET, ...(duration ? { duration } : {}) }));
  old.get("/", async (c) => {
    await c.var.session.update(data);
    return c.text("ok");
  });
  const line = (await old.request("/")).headers.getSetCookie().find((l) => l.startsWith("sid="))!;
  return line.slice(0, line.indexOf(";"));
}

describe("iron-session importer", () => {
  const from = ironSession({ cookieName: "my_app", password: { 2: IRON_PASSWORD, 1: IRON_OLD_PASSWORD } });

  it("re-seals a good cookie on the first request and expires the old one in the same response", async () => {
    const seal = await sealData({ user: "alice", roles: ["admin"] }, { password: { 2: IRON_PASSWORD } });
    const serve = app(from);
    const jar = cookieJar();
    const first = await visit(serve, jar, `my_app=${seal}`);
    expect(first.body).toMatchObject({ outcome: "imported", user: "alice", roles: ["admin"] });
    expect(first.lines.some((l) => l.startsWith("my_app=; Max-Age=0;") && l.includes("Path=/"))).toBe(true);
    expect(jar.names()).toEqual(["__Host-session"]);
    const second = await visit(serve, jar); // the new cookie alone
    expect(second.body).toMatchObject({ outcome: "absent", user: "alice", roles: ["admin"] });
  });

  it("opens a cookie sealed with an older password of the map, and a single-string password", async () => {
    const seal = await sealData({ user: "bob" }, { password: { 1: IRON_OLD_PASSWORD } });
    expect((await visit(app(from), cookieJar(), `my_app=${seal}`)).body).toMatchObject({ outcome: "imported", user: "bob" });
    const single = ironSession({ cookieName: "my_app", password: IRON_PASSWORD });
    const seal1 = await sealData({ user: "carol" }, { password: IRON_PASSWORD });
    expect((await visit(app(single), cookieJar(), `my_app=${seal1}`)).body).toMatchObject({ outcome: "imported", user: "carol" });
  });

  it("a tampered cookie gives a fresh session, and the old cookie is expired", async () => {
    const seal = await sealData({ user: "alice" }, { password: { 2: IRON_PASSWORD } });
    const parts = seal.split("*");
    parts[4] = parts[4]!.slice(0, -2) + (parts[4]!.endsWith("AA") ? "BB" : "AA");
    const { res, body, lines } = await visit(app(from), cookieJar(), `my_app=${parts.join("*")}`);
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ outcome: "refused", reason: "invalid", user: null });
    expect(lines.some((l) => l.startsWith("my_app=; Max-Age=0"))).toBe(true);
  });

  it("an expired cookie gives a fresh session (iron's 60 s skew included)", async () => {
    const seal = await sealData({ user: "alice" }, { password: { 2: IRON_PASSWORD }, ttl: 60 });
    const later = Date.now() + 60_000 + 61_000;
    const { body } = await visit(app(from, { now: () => later }), cookieJar(), `my_app=${seal}`);
    expect(body).toMatchObject({ outcome: "refused", reason: "expired", user: null });
  });

  it("a cookie of another password gives a fresh session", async () => {
    const other = "another-password-0123456789-abcdefghijklm";
    const wrongId = await sealData({ user: "alice" }, { password: { 3: other } });
    expect((await visit(app(from), cookieJar(), `my_app=${wrongId}`)).body).toMatchObject({
      outcome: "refused",
      reason: "unknown-password",
    });
    const sameId = await sealData({ user: "alice" }, { password: { 2: other } });
    expect((await visit(app(from), cookieJar(), `my_app=${sameId}`)).body).toMatchObject({ outcome: "refused", reason: "invalid" });
  });

  it("an id naming a property of Object.prototype finds no password (no forging with a known string)", async () => {
    const forged = await sealData({ user: "mallory" }, { password: { 1: String(Object) } });
    const [prefix, , ...rest] = forged.split("*");
    const { body } = await visit(app(from), cookieJar(), `my_app=${[prefix, "constructor", ...rest].join("*")}`);
    expect(body).toMatchObject({ outcome: "refused", reason: "unknown-password", user: null });
  });

  it("a session too large once re-sealed is refused (fresh session), or imported over chunks with a higher maxBytes", async () => {
    const seal = await sealData({ user: "alice", big: "x".repeat(5000) }, { password: { 2: IRON_PASSWORD } });
    const parts = seal.match(/.{1,3000}/g)!; // iron-session's chunks, my_app.0 to my_app.2
    const chunked = parts.map((part, k) => `my_app.${k}=${part}`).join("; ");
    const refused = await visit(app(from), cookieJar(), chunked);
    expect(refused.res.status).toBe(200);
    expect(refused.body).toMatchObject({ outcome: "refused", reason: "too-large", user: null });
    expect(refused.lines.filter((l) => /^my_app\.\d=; Max-Age=0/.test(l))).toHaveLength(parts.length);
    const jar = cookieJar();
    const imported = await visit(app(from, { chunks: 3, maxBytes: 8000 }), jar, chunked);
    expect(imported.body).toMatchObject({ outcome: "imported", user: "alice" });
    expect(jar.names()).toEqual(["__Host-session", "__Host-session.1"]);
  });

  it("an existing edge-session session is kept, the old cookie only expired", async () => {
    const serve = app(from);
    const jar = cookieJar();
    await visit(serve, jar, `my_app=${await sealData({ user: "alice" }, { password: { 2: IRON_PASSWORD } })}`);
    const again = await visit(serve, jar, `my_app=${await sealData({ user: "eve" }, { password: { 2: IRON_PASSWORD } })}`);
    expect(again.body).toMatchObject({ outcome: "kept", user: "alice" });
  });

  it("refuses short passwords and unknown options when built", () => {
    expect(() => ironSession({ cookieName: "a", password: "short" })).toThrow(SessionConfigError);
    expect(() => ironSession({ cookieName: "a", password: IRON_PASSWORD, ttl: 1 } as never)).toThrow(SessionConfigError);
  });
});

describe("@hono/session importer", () => {
  const from = honoSession({ secret: AUTH_SECRET });

  it("re-seals a good cookie without its JWT claims and expires sid", async () => {
    const serve = app(from);
    const jar = cookieJar();
    const first = await visit(serve, jar, await honoSessionCookie({ user: "alice", roles: ["admin"] }));
    expect(first.body).toMatchObject({ outcome: "imported", user: "alice", roles: ["admin"] });
    expect(first.lines.some((l) => l.startsWith("sid=; Max-Age=0"))).toBe(true);
    expect((await visit(serve, jar)).body).toMatchObject({ outcome: "absent", user: "alice" });
  });

  it("tampered, expired and wrong-secret cookies give a fresh session", async () => {
    const good = await honoSessionCookie({ user: "alice" });
    const tampered = good.slice(0, -3) + (good.endsWith("AAA") ? "BBB" : "AAA");
    expect((await visit(app(from), cookieJar(), tampered)).body).toMatchObject({ outcome: "refused", reason: "invalid", user: null });
    const short = await honoSessionCookie({ user: "alice" }, { absolute: 60 });
    const later = Date.now() + 120_000;
    expect((await visit(app(from, { now: () => later }), cookieJar(), short)).body).toMatchObject({
      outcome: "refused",
      reason: "expired",
    });
    const other = honoSession({ secret: "another-secret-of-the-old-app-0123456789" });
    expect((await visit(app(other), cookieJar(), good)).body).toMatchObject({ outcome: "refused", reason: "invalid", user: null });
  });

  it("a session too large once re-sealed is refused with a fresh session", async () => {
    const { body, res } = await visit(app(from), cookieJar(), await honoSessionCookie({ user: "alice", big: "y".repeat(3500) }));
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ outcome: "refused", reason: "too-large", user: null });
  });
});

const ENCRYPTION_KEY = "hono-sessions-key-0123456789-abcdefghijklmn";

/**
 * A cookie of hono-sessions' own middleware (its CookieStore), as a browser would send it back: `set` values,
 * `flash` values, and the options its users pass.
 */
async function honoSessionsCookie(
  set: Record<string, unknown>,
  options: { flash?: Record<string, unknown>; expireAfterSeconds?: number; prefix?: "host"; logout?: boolean } = {},
): Promise<string> {
  const old = new Hono<{ Variables: { session: HonoSessionsSession; session_key_rotation: boolean } }>();
  const { prefix, expireAfterSeconds } = options;
  old.use(
    sessionMiddleware({
      store: new CookieStore(),
      encryptionKey: ENCRYPTION_KEY,
      ...(expireAfterSeconds ? { expireAfterSeconds } : {}),
      cookieOptions: { path: "/", httpOnly: true, sameSite: "Lax", ...(prefix ? { prefix, secure: true } : {}) },
    }),
  );
  old.get("/", (c) => {
    const s = c.get("session");
    for (const [key, value] of Object.entries(set)) s.set(key, value);
    for (const [key, value] of Object.entries(options.flash ?? {})) s.flash(key, value);
    if (options.logout) s.deleteSession();
    return c.text("ok");
  });
  const line = (await old.request("https://old.example/")).headers.getSetCookie().at(-1)!;
  return line.slice(0, line.indexOf(";"));
}

describe("hono-sessions importer (its CookieStore: an iron seal under encryptionKey)", () => {
  const from = honoSessions({ encryptionKey: ENCRYPTION_KEY });

  it("re-seals a good cookie's values, leaves its flash values out, and expires the old cookie", async () => {
    const serve = app(from);
    const jar = cookieJar();
    const old = await honoSessionsCookie({ user: "alice", roles: ["admin"] }, { flash: { notice: "Welcome" } });
    expect(old).toMatch(/^session=Fe26\.2\*\*/); // iron, sealed under the plain password's id ""
    const first = await visit(serve, jar, old);
    expect(first.body).toMatchObject({ outcome: "imported", user: "alice", roles: ["admin"] });
    expect(first.lines.some((l) => l.startsWith("session=; Max-Age=0;") && l.includes("Path=/"))).toBe(true);
    const second = await visit(serve, jar);
    expect(second.body).toMatchObject({ outcome: "absent", user: "alice" });
    // The flash value was not imported: the session holds exactly the set ones.
    const sessions = sessionEngine<Data & { notice?: string }, null>({ secret: SECRET });
    const request = new Request("https://app.example/", { headers: jar.header() });
    const all = await withSession(sessions, request, null, async (s) => Response.json(await s.all()));
    expect(await all.json()).toEqual({ user: "alice", roles: ["admin"] });
  });

  it("reads the prefixed cookie name hono-sessions' cookieOptions.prefix makes", async () => {
    const old = await honoSessionsCookie({ user: "bob" }, { prefix: "host" });
    expect(old.startsWith("__Host-session=")).toBe(true);
    const prefixed = honoSessions({ encryptionKey: ENCRYPTION_KEY, cookieName: "__Host-session" });
    expect((await visit(app(prefixed), cookieJar(), old)).body).toMatchObject({ outcome: "imported", user: "bob" });
  });

  it("tampered, expired, logged-out and wrong-key cookies give a fresh session, the old cookie expired", async () => {
    const good = await honoSessionsCookie({ user: "alice" });
    const parts = good.split("*");
    parts[4] = parts[4]!.slice(0, -2) + (parts[4]!.endsWith("AA") ? "BB" : "AA");
    const tampered = await visit(app(from), cookieJar(), parts.join("*"));
    expect(tampered.res.status).toBe(200);
    expect(tampered.body).toMatchObject({ outcome: "refused", reason: "invalid", user: null });
    expect(tampered.lines.some((l) => l.startsWith("session=; Max-Age=0;"))).toBe(true);

    // hono-sessions' own expiry (`_expire`, from expireAfterSeconds), judged by the importer's clock.
    const short = await honoSessionsCookie({ user: "alice" }, { expireAfterSeconds: 60 });
    expect((await visit(app(from), cookieJar(), short)).body).toMatchObject({ outcome: "imported", user: "alice" });
    const later = Date.now() + 120_000;
    expect((await visit(app(from, { now: () => later }), cookieJar(), short)).body).toMatchObject({
      outcome: "refused",
      reason: "expired",
    });

    const loggedOut = await honoSessionsCookie({ user: "alice" }, { logout: true });
    expect((await visit(app(from), cookieJar(), loggedOut)).body).toMatchObject({ outcome: "refused", reason: "invalid", user: null });

    const other = honoSessions({ encryptionKey: "another-key-of-the-old-app-0123456789-xyz" });
    expect((await visit(app(other), cookieJar(), good)).body).toMatchObject({ outcome: "refused", reason: "invalid", user: null });
  });

  it("a session too large once re-sealed is refused (fresh session), or imported over chunks with a higher maxBytes", async () => {
    const old = await honoSessionsCookie({ user: "alice", big: "z".repeat(2000) });
    const refused = await visit(app(from, { maxBytes: 1500 }), cookieJar(), old);
    expect(refused.res.status).toBe(200);
    expect(refused.body).toMatchObject({ outcome: "refused", reason: "too-large", user: null });
    expect(refused.lines.some((l) => l.startsWith("session=; Max-Age=0;"))).toBe(true);
    const big = await honoSessionsCookie({ user: "alice", big: "z".repeat(5000) }); // a cookie no browser keeps, sent anyway
    const jar = cookieJar();
    expect((await visit(app(from, { chunks: 3, maxBytes: 8000 }), jar, big)).body).toMatchObject({ outcome: "imported", user: "alice" });
    expect(jar.names()).toEqual(["__Host-session", "__Host-session.1"]);
  });

  it("refuses a short key and unknown options when built", () => {
    expect(() => honoSessions({ encryptionKey: "short" })).toThrow(SessionConfigError);
    expect(() => honoSessions({ encryptionKey: ENCRYPTION_KEY, expireAfterSeconds: 60 } as never)).toThrow(SessionConfigError);
  });
});
