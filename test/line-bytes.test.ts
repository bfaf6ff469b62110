/**
 * `cookie.maxLineBytes`: every `Set-Cookie` line written (name, "=", value and attributes, `Max-Age`
 * included) stays within the limit, in one cookie and in chunks, through the engine and Hono; cookies
 * written under the old budget (name + value up to 4096 bytes) still open.
 */
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { writeLimit } from "../src/core/chunks.js";
import { resolveCookie } from "../src/core/cookie.js";
import {
  COOKIE_LIMIT,
  createKeyring,
  MemoryStore,
  sealSession,
  session,
  sessionEngine,
  SessionConfigError,
  SessionTooLargeError,
  type SessionEngineOptions,
  type SessionVariables,
} from "../src/index.js";
import { SECRET } from "./helpers.js";

const NAME = "__Host-session";
const T0 = Date.UTC(2026, 0, 1);

/** One request through the engine: the cookie it came with, what the handler writes, the Set-Cookie lines. */
async function engineRequest(options: Partial<SessionEngineOptions>, cookie: string | undefined, big?: number) {
  const engine = sessionEngine<{ big: string }>({ secret: SECRET, now: () => T0, ...options });
  const request = engine.start(new Headers(cookie === undefined ? {} : { Cookie: cookie }), undefined);
  const read = await request.session.get("big");
  if (big !== undefined) request.session.set("big", "x".repeat(big));
  return { read, lines: await request.commit() };
}

/** The largest `big` whose session the engine writes without throwing (one cookie, no overflow). */
async function largestWritten(options: Partial<SessionEngineOptions>): Promise<number> {
  let low = 0;
  let high = 40_000;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    const fits = await engineRequest(options, undefined, mid).then(
      () => true,
      (error: unknown) => (error instanceof SessionTooLargeError ? false : Promise.reject(error)),
    );
    if (fits) low = mid;
    else high = mid - 1;
  }
  return low;
}

describe("cookie.maxLineBytes: the option", () => {
  it("defaults to 4096 and takes whole numbers from 1024 to 8192", () => {
    expect(resolveCookie().maxLineBytes).toBe(4096);
    expect(resolveCookie({ maxLineBytes: 1024 }).maxLineBytes).toBe(1024);
    expect(resolveCookie({ maxLineBytes: 8192 }).maxLineBytes).toBe(8192);
    for (const bad of [1023, 8193, 4096.5, "4096", null, Number.NaN, Infinity]) {
      expect(() => resolveCookie({ maxLineBytes: bad as number })).toThrow(/cookie\.maxLineBytes must be a whole number from 1024 to 8192/);
    }
  });

  it("is refused when the name and attributes leave less than 512 bytes of value, at start-up", () => {
    expect(() => resolveCookie({ name: "s".repeat(600), maxLineBytes: 1024 })).toThrow(SessionConfigError);
    expect(() => sessionEngine({ secret: SECRET, cookie: { name: "s".repeat(3600) } })).toThrow(/leaves \d+ bytes of value/);
    expect(() => resolveCookie({ name: "s".repeat(400), maxLineBytes: 1024 })).not.toThrow();
  });

  it("reckons with the longest Max-Age the app sends: the default attributes and a day's lifetime cost 56 bytes per cookie", () => {
    const cookie = resolveCookie();
    expect(writeLimit(cookie, 0)).toBe(COOKIE_LIMIT - NAME.length - "=; Path=/; HttpOnly; Secure; SameSite=Lax".length); // 4040
    expect(writeLimit(cookie, 86_400)).toBe(COOKIE_LIMIT - NAME.length - 56); // 4026, was 4082
    expect(writeLimit(resolveCookie({ maxLineBytes: 8192 }), 86_400)).toBe(COOKIE_LIMIT - NAME.length); // name + value stay within 4096
  });
});

describe("cookie.maxLineBytes: what is written", () => {
  it.each([
    ["one cookie, a day's lifetime", { lifetime: 86_400 }, 4096],
    ["one cookie, a partitioned cookie on a domain-less path", { cookie: { partitioned: true, sameSite: "None" as const } }, 4096],
    ["chunks: 3", { cookie: { chunks: 3 }, lifetime: 3600 }, 4096],
    ["chunks: 3 within 2048", { cookie: { chunks: 3, maxLineBytes: 2048 }, lifetime: 3600 }, 2048],
  ])("%s: the largest session writes lines of at most the limit, the last byte used", async (_, options, limit) => {
    const big = await largestWritten(options);
    const { lines } = await engineRequest(options, undefined, big);
    const written = lines.filter((line) => !line.includes("Max-Age=0"));
    for (const line of written) expect(line.length).toBeLessThanOrEqual(limit);
    // base64url: the next byte of data moves the sealed value by up to 2 characters past the limit.
    expect(Math.max(...written.map((line) => line.length))).toBeGreaterThan(limit - 4);
  });

  it("costs about 3/4 of the sealed bytes in session data: 30 to 31 characters per cookie with the defaults, 42 with a day's lifetime", async () => {
    const lost = async (options: Partial<SessionEngineOptions>) => {
      const before = await largestWritten({ ...options, cookie: { maxLineBytes: 8192 } }); // the old budget: name + value 4096
      return before - (await largestWritten(options));
    };
    expect(await lost({})).toBeGreaterThanOrEqual(30);
    expect(await lost({})).toBeLessThanOrEqual(31);
    expect(await lost({ lifetime: 86_400 })).toBeGreaterThanOrEqual(41);
    expect(await lost({ lifetime: 86_400 })).toBeLessThanOrEqual(43);
  });

  it("through Hono: the Set-Cookie line of a session that fills the cookie is within 4096 bytes", async () => {
    const app = new Hono<{ Variables: SessionVariables<{ big: string }> }>();
    app.use(session<{ big: string }>({ secret: SECRET, lifetime: 86_400 }));
    app.get("/big/:n", (c) => {
      c.var.session.set("big", "x".repeat(Number(c.req.param("n"))));
      return c.text("ok");
    });
    app.onError((error, c) => c.text(error.name, 500));
    const big = await largestWritten({ lifetime: 86_400 });
    const fits = await app.request(`/big/${big}`);
    expect(fits.status).toBe(200);
    const line = fits.headers.getSetCookie()[0]!;
    expect(line.length).toBeLessThanOrEqual(4096);
    expect(line.length).toBeGreaterThan(4092);
    expect((await app.request(`/big/${big + 3}`)).status).toBe(500); // SessionTooLargeError
  });

  it("with overflow, a session past the line budget goes to the store", async () => {
    const store = new MemoryStore();
    const big = await largestWritten({ lifetime: 86_400 });
    const { lines } = await engineRequest({ lifetime: 86_400, overflow: store }, undefined, big + 3);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.length).toBeLessThan(300); // a sealed pointer
    expect((await store.list()).keys).toHaveLength(1);
  });
});

describe("cookie.maxLineBytes: cookies written under the old budget", () => {
  it("a cookie of name + value 4096 bytes (its line longer than 4096) still opens, and is moved to the store when written again", async () => {
    const keys = await createKeyring(SECRET, { purpose: NAME });
    const sealed = async (n: number) =>
      sealSession({ data: { big: "x".repeat(n) }, meta: { id: "A".repeat(22), created: T0, lastUsed: T0, lifetime: 0 } }, keys);
    let n = 2900;
    while ((await sealed(n + 1)).length <= COOKIE_LIMIT - NAME.length) n++;
    const old = await sealed(n);
    expect(NAME.length + old.length).toBeGreaterThan(COOKIE_LIMIT - 3); // what the previous version wrote at most
    expect(old.length).toBeGreaterThan(writeLimit(resolveCookie(), 0)); // more than is written now

    const { read } = await engineRequest({}, `${NAME}=${old}`);
    expect(read).toHaveLength(n); // opened: nobody is logged out by the new budget

    const store = new MemoryStore();
    const rewritten = await engineRequest({ overflow: store }, `${NAME}=${old}`, n);
    expect(rewritten.read).toHaveLength(n);
    expect(rewritten.lines[0]!.length).toBeLessThan(300); // now a pointer: the line would pass 4096
    await expect(engineRequest({}, `${NAME}=${old}`, n + 10)).rejects.toThrow(SessionTooLargeError);
  });
});
