/**
 * `cookie.chunks`: one sealed session split over up to n cookies, reassembled before any crypto, with every
 * chunk name up to the maximum set or expired on each write.
 */
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { Hono } from "hono";
import { afterEach, describe, expect, it, vi } from "vitest";
import { expiredCookies, readSessionCookie, sessionCookies, valueLimit, writeLimit } from "../src/core/chunks.js";
import { findCookie, findCookies, resolveCookie, serializeCookie } from "../src/core/cookie.js";
import {
  COOKIE_LIMIT,
  MemoryStore,
  session,
  SessionConfigError,
  SessionTooLargeError,
  unsealSession,
  createKeyring,
  type SessionOptions,
  type SessionVariables,
} from "../src/index.js";
import { stringWork } from "./forge.js";
import { cookieJar, SECRET, testClock } from "./helpers.js";
import { CountingStore, kvStore, storeApp } from "./stores.js";

const NAME = "__Host-session";
const ATTRIBUTES = "; Path=/; HttpOnly; Secure; SameSite=Lax";
const EXPIRED = "=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT" + ATTRIBUTES;

type Jar = ReturnType<typeof cookieJar>;

/** One request through a jar holding every cookie: the response, its Set-Cookie lines and its JSON body. */
async function visit(app: { request: Hono["request"] }, path: string, jar: Jar) {
  const res = await app.request(path, { headers: jar.header() });
  const setCookie = jar.take(res);
  const text = await res.text();
  const body = res.headers.get("Content-Type")?.includes("json") ? JSON.parse(text) : undefined;
  return { status: res.status, setCookie, text, body };
}

/** The chunk names of a session cookie named NAME split over `count` cookies. */
const namesOf = (count: number) => Array.from({ length: count }, (_, k) => (k ? `${NAME}.${k}` : NAME)).sort();

/** A stand-in for a sealed value of `length` characters (reassembly never looks inside). */
const sealedLike = (length: number, fill = "A") => `eyJ${fill.repeat(length - 3)}`;

/** Asserts that nothing was decrypted while `run` ran: a refusal made on the cookies' shape alone. */
async function withoutDecryption<T>(run: () => Promise<T>): Promise<T> {
  const decrypt = vi.spyOn(crypto.subtle, "decrypt");
  try {
    return await run();
  } finally {
    expect(decrypt).not.toHaveBeenCalled();
    decrypt.mockRestore();
  }
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the cookie.chunks option", () => {
  it.each([0, 11, 2.5, -1, Number.NaN, Infinity, "3", null])("chunks: %j is a SessionConfigError", (chunks) => {
    expect(() => resolveCookie({ chunks: chunks as number })).toThrow(SessionConfigError);
    expect(() => session({ secret: SECRET, cookie: { chunks: chunks as number } })).toThrow(/cookie\.chunks must be a whole number from 1/);
  });

  it("accepts 1 (the default: one cookie) to 10", () => {
    expect(resolveCookie({}).chunks).toBe(1);
    for (const chunks of [1, 2, 3, 10]) expect(resolveCookie({ chunks }).chunks).toBe(chunks);
  });

  it("refuses chunks with store: (the cookie is a sealed id), and allows them with overflow:", () => {
    expect(() => session({ secret: SECRET, store: new MemoryStore(), cookie: { chunks: 3 } })).toThrow(/cookie\.chunks is for cookie mode/);
    expect(() => session({ secret: SECRET, store: new MemoryStore(), cookie: { chunks: 1 } })).not.toThrow();
    expect(() => session({ secret: SECRET, overflow: new MemoryStore(), cookie: { chunks: 3 } })).not.toThrow();
  });

  it("refuses more than 2 chunks for a partitioned cookie (browsers keep 10 KiB of them per site and partition)", () => {
    expect(() => resolveCookie({ partitioned: true, sameSite: "None", chunks: 3 })).toThrow(/at most cookie\.chunks: 2/);
    expect(resolveCookie({ partitioned: true, sameSite: "None", chunks: 2 }).chunks).toBe(2);
  });

  it("keeps the prefix rules (they hold for every chunk name, which starts with the same prefix) and refuses a name too long to chunk", () => {
    expect(() => resolveCookie({ name: "__Host-s", path: "/app", chunks: 3 })).toThrow(SessionConfigError);
    expect(() => resolveCookie({ name: "s".repeat(1025), chunks: 2 })).toThrow(/at most 1024 characters/);
    expect(() => resolveCookie({ name: "s".repeat(1025), chunks: 1 })).not.toThrow();
  });
});

describe("findCookies: the cookie and its chunks in one pass", () => {
  it("finds each name once, trimming only space and tab; other suffixes are other cookies", () => {
    const header = `a=1; ${NAME}=v0;\t${NAME}.2 = v2 ; ${NAME}.1=v1; ${NAME}.0=x; ${NAME}.12=x; ${NAME}.3=x; x${NAME}.1=x; \u00A0${NAME}.1=x`;
    expect(findCookies(header, NAME, 3)).toEqual([
      { found: 1, value: "v0" },
      { found: 1, value: "v1" },
      { found: 1, value: "v2" },
    ]);
    expect(findCookies(`${NAME}.1=a`, NAME, 2)).toEqual([{ found: 0 }, { found: 1, value: "a" }]);
    expect(findCookies(null, NAME, 2)).toEqual([{ found: 0 }, { found: 0 }]);
  });

  it("reports a name sent twice as many, chunk names included", () => {
    expect(findCookies(`${NAME}=a; ${NAME}.1=b; ${NAME}.1=c`, NAME, 3)).toEqual([
      { found: 1, value: "a" },
      { found: "many" },
      { found: 0 },
    ]);
    expect(findCookies(`${NAME}=a; ${NAME}=b`, NAME, 2)[0]).toEqual({ found: "many" });
  });

  it("agrees with findCookie for every name on random headers", () => {
    const piece = fc.oneof(
      fc.constantFrom(NAME, `${NAME}.1`, `${NAME}.2`, `${NAME}.9`, ".", "1", "=", ";", " ", "\t", "\u00A0", "x"),
      fc.string({ unit: "binary-ascii", maxLength: 4 }),
    );
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 24 }).map((p) => p.join("")),
        fc.integer({ min: 1, max: 10 }),
        (header, count) => {
          const found = findCookies(header, NAME, count);
          expect(found).toHaveLength(count);
          found.forEach((lookup, k) => expect(lookup).toEqual(findCookie(header, k ? `${NAME}.${k}` : NAME)));
        },
      ),
      { seed: 20261124, numRuns: 500 },
    );
  });

  const N = 100_000;
  it.each([
    ["100 000 chunk names without '='", `${`${NAME}.1;`.repeat(N)}${NAME}=v`],
    ["100 000 chunk names of no chunk ('.0')", `${`${NAME}.0=;`.repeat(N)}${NAME}=v`],
    ["100 000 prefixed chunk names", `${`x${NAME}.1=;`.repeat(N)}${NAME}=v`],
    ["100 000 empty segments", `${";".repeat(N)}${NAME}=v`],
  ])("%s: work linear in the header", async (_, header) => {
    let found: unknown;
    const work = await stringWork(() => {
      found = findCookies(header, NAME, 10);
    });
    expect((found as { found: unknown }[])[0]).toEqual({ found: 1, value: "v" });
    expect(work).toBeLessThan(4 * header.length);
  });
});

describe("splitting and reassembling", () => {
  const cookie = resolveCookie({ chunks: 3 });
  const header = (lines: string[]) =>
    lines
      .filter((line) => !line.includes("Max-Age=0"))
      .map((line) => line.slice(0, line.indexOf(";")))
      .join("; ");
  // The whole Set-Cookie line ("=" and attributes included) within 4096 bytes (cookie.maxLineBytes).
  const single = COOKIE_LIMIT - NAME.length - 1 - ATTRIBUTES.length;
  const limit = writeLimit(cookie, 0);

  it.each([3, 100, single, single + 1, 8000, limit - 1, limit])(
    "a %i-character value: the fewest cookies whose lines take at most 4096 bytes each, every higher chunk name expired, read back whole",
    (length) => {
      const value = sealedLike(length);
      const lines = sessionCookies(cookie, value, 0);
      const written = lines.filter((line) => !line.includes("Max-Age=0"));
      const count = length <= single ? 1 : length <= writeLimit(resolveCookie({ chunks: 2 }), 0) ? 2 : 3;
      expect(written).toHaveLength(count);
      expect(lines).toHaveLength(3); // a fixed range: the cookies written, then every chunk name above them expired
      for (let k = count; k < 3; k++) expect(lines[k]).toBe(`${NAME}.${k}${EXPIRED}`);
      for (const line of written) {
        expect(line.endsWith(ATTRIBUTES)).toBe(true);
        expect(line.length).toBeLessThanOrEqual(COOKIE_LIMIT);
      }
      if (count === 1) expect(written[0]).toBe(`${NAME}=${value}${ATTRIBUTES}`); // one cookie: exactly as without chunks
      expect(readSessionCookie(header(lines), cookie)).toEqual({ found: 1, value });
    },
  );

  it("fills the cookies: the largest value that fits takes each Set-Cookie line to exactly 4096 bytes", () => {
    const lines = sessionCookies(cookie, sealedLike(limit), 0);
    for (const line of lines) expect(line.length).toBe(COOKIE_LIMIT);
  });

  it("throws SessionTooLargeError one character beyond what the chunks hold", () => {
    expect(() => sessionCookies(cookie, sealedLike(limit + 1), 0)).toThrow(SessionTooLargeError);
  });

  it("chunks off (the default): one cookie exactly as before, and a chunk name is just another cookie", () => {
    const off = resolveCookie({});
    expect(writeLimit(off, 0)).toBe(single);
    expect(valueLimit(off)).toBe(COOKIE_LIMIT - NAME.length); // what is read: cookies of earlier versions still open
    expect(sessionCookies(off, "eyJvalue", 60)).toEqual([serializeCookie(off, "eyJvalue", 60)]);
    expect(sessionCookies(off, sealedLike(single), 0)).toEqual([`${NAME}=${sealedLike(single)}${ATTRIBUTES}`]);
    expect(() => sessionCookies(off, sealedLike(single + 1), 0)).toThrow(SessionTooLargeError);
    expect(expiredCookies(off)).toEqual([`${NAME}${EXPIRED}`]);
    expect(readSessionCookie(`${NAME}=2~AAAAAAAA~eyJ; ${NAME}.1=AAAAAAAA~x`, off)).toEqual({ found: 1, value: "2~AAAAAAAA~eyJ" });
  });

  it("chunks off: reading costs exactly what findCookie costs (no chunk names looked up)", async () => {
    const off = resolveCookie({});
    const header = `a=1; ${NAME}.1=x; ${`${NAME}.2=;`.repeat(50)} ${NAME}=eyJvalue; ${NAME}.3=y`;
    let read: unknown;
    const chunked = await stringWork(() => readSessionCookie(header, resolveCookie({ chunks: 3 })));
    const work = await stringWork(() => {
      read = readSessionCookie(header, off);
    });
    expect(read).toEqual({ found: 1, value: "eyJvalue" });
    expect(work).toBe(await stringWork(() => findCookie(header, NAME)));
    expect(chunked).not.toBe(work); // the count tells a chunk lookup apart
  });

  it("expires every chunk name up to the maximum", () => {
    expect(expiredCookies(cookie)).toEqual([`${NAME}${EXPIRED}`, `${NAME}.1${EXPIRED}`, `${NAME}.2${EXPIRED}`]);
  });

  it("gives every write its own id: two writes of the same value never share chunks", () => {
    const a = sessionCookies(cookie, sealedLike(9000), 0);
    const b = sessionCookies(cookie, sealedLike(9000), 0);
    expect(a[1]!.slice(0, 30)).not.toBe(b[1]!.slice(0, 30));
    expect(readSessionCookie(`${header(a)}`.replace(/__Host-session\.1=[^;]*/, b[1]!.slice(0, b[1]!.indexOf(";"))), cookie)).toEqual({
      found: "chunks",
    });
  });

  describe("refusals, decided on the cookies alone", () => {
    const [first, second, third] = sessionCookies(cookie, sealedLike(9000), 0).map((line) =>
      line.slice(line.indexOf("=") + 1, line.indexOf(";")),
    );
    const id = second!.slice(0, 8);
    it.each([
      ["a missing chunk", `${NAME}=${first}; ${NAME}.2=${third}`, "chunks"],
      ["a missing last chunk", `${NAME}=${first}; ${NAME}.1=${second}`, "chunks"],
      ["chunks without the first cookie", `${NAME}.1=${second}; ${NAME}.2=${third}`, "chunks"],
      ["a chunk of another write", `${NAME}=${first}; ${NAME}.1=${second}; ${NAME}.2=BBBBBBBB~${third!.slice(9)}`, "chunks"],
      ["a chunk without its id", `${NAME}=${first}; ${NAME}.1=${second}; ${NAME}.2=${third!.slice(9)}`, "chunks"],
      ["a count above the configured maximum", `${NAME}=${first!.replace(/^3/, "4")}; ${NAME}.1=${second}; ${NAME}.2=${third}`, "chunks"],
      ["a 200-chunk header", `${NAME}=200~${id}~eyJ; ${NAME}.1=${second}; ${NAME}.2=${third}`, "chunks"],
      ["a count of 1 in a header", `${NAME}=1~${id}~eyJ`, "chunks"],
      ["a count of 0", `${NAME}=0~${id}~eyJ`, "chunks"],
      ["a header with a short id", `${NAME}=3~AAAA~eyJ; ${NAME}.1=AAAA~x; ${NAME}.2=AAAA~x`, "chunks"],
      ["a digit without a header", `${NAME}=3eyJ`, "chunks"],
      ["an extra chunk beyond the count", `${NAME}=${first!.replace(/^3/, "2")}; ${NAME}.1=${second}; ${NAME}.2=${third}`, "chunks"],
      ["a single cookie with a stray chunk", `${NAME}=eyJsingle; ${NAME}.2=${third}`, "chunks"],
      ["a chunk sent twice", `${NAME}=${first}; ${NAME}.1=${second}; ${NAME}.1=${second}; ${NAME}.2=${third}`, "many"],
      ["the first cookie sent twice", `${NAME}=${first}; ${NAME}=${first}; ${NAME}.1=${second}; ${NAME}.2=${third}`, "many"],
    ])("%s", (_, header, found) => {
      expect(readSessionCookie(header, cookie)).toEqual({ found });
    });

    it("a chunk beyond the configured maximum is not ours: ignored", () => {
      expect(readSessionCookie(`${NAME}=${first}; ${NAME}.1=${second}; ${NAME}.2=${third}; ${NAME}.3=x`, cookie)).toMatchObject({
        found: 1,
      });
    });
  });
});

/** An app over storeApp's routes (/read, /big/:n, /small, /destroy...) with chunks on. */
function chunkedApp(options: Partial<SessionOptions> = {}) {
  return storeApp({ cookie: { chunks: 3 }, ...options });
}

/** Sizes of `big` that take 1, 2 and 3 cookies (with the default name, sealed with A256GCM). */
const IN = { one: 1000, two: 5000, three: 8500, over: 9500 };

describe("a chunked session through the middleware", () => {
  it("grows across 1, 2, 3 cookies and shrinks back, reading back whole each time, with no stale cookie left", async () => {
    const app = chunkedApp();
    const jar = cookieJar();
    let id: string | undefined;
    for (const [size, count] of [
      [IN.one, 1],
      [IN.two, 2],
      [IN.three, 3],
      [IN.two, 2],
      [IN.one, 1],
    ] as const) {
      const written = await visit(app, `/big/${size}`, jar);
      expect(written.status).toBe(200);
      expect(written.setCookie).toHaveLength(3); // every name up to the maximum, set or expired
      expect(jar.names()).toEqual(namesOf(count));
      for (const [name, value] of jar.cookies) expect(name.length + value.length).toBeLessThanOrEqual(COOKIE_LIMIT);
      for (const line of written.setCookie) expect(line).toMatch(/; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
      const read = await visit(app, "/read", jar);
      expect(read.body).toMatchObject({ isNew: false, invalid: null, data: { big: "x".repeat(size) } });
      expect(read.setCookie).toEqual([]); // unchanged within touchAfter: nothing sent
      id ??= read.body.id;
      expect(read.body.id).toBe(id);
    }
    const single = jar.cookies.get(NAME)!;
    expect(single.startsWith("eyJ")).toBe(true); // back in one cookie: a plain sealed value
    const keys = await createKeyring(SECRET, { purpose: NAME });
    expect(await unsealSession(single, keys)).toMatchObject({ ok: true, data: { big: "x".repeat(IN.one) } });
  });

  it("chunks off (the default): one Set-Cookie of today's format, and chunk names are not looked up", async () => {
    const app = storeApp();
    const jar = cookieJar();
    const written = await visit(app, `/big/${IN.one}`, jar);
    expect(written.setCookie).toEqual([
      expect.stringMatching(new RegExp(`^${NAME}=eyJ[\\w-]+\\.\\.[\\w-]+\\.[\\w-]+\\.[\\w-]+${ATTRIBUTES}$`)),
    ]);
    jar.cookies.set(`${NAME}.1`, "AAAAAAAA~junk"); // a chunk of a chunked app, or any cookie so named
    const read = await visit(app, "/read", jar);
    expect(read.body).toMatchObject({ isNew: false, invalid: null });
    expect(read.setCookie).toEqual([]);
    expect((await visit(app, `/big/${IN.two}`, jar)).status).toBe(500); // too large for one cookie, as before
  });

  it("re-sends every chunk with its Max-Age when a persistent cookie rolls", async () => {
    const clock = testClock();
    const app = chunkedApp({ lifetime: 3600, now: clock.now });
    const jar = cookieJar();
    await visit(app, `/big/${IN.three}`, jar);
    clock.advance(400); // past touchAfter (a tenth of the lifetime)
    const rolled = await visit(app, "/read", jar);
    expect(rolled.setCookie).toHaveLength(3);
    for (const line of rolled.setCookie) expect(line).toMatch(/^__Host-session(\.\d)?=[^;]+; Max-Age=3600; Path=\//);
    expect((await visit(app, "/read", jar)).body.data.big).toHaveLength(IN.three);
  });

  it("two tabs whose responses cross leave one write's chunks, in either order (every write sets or expires every name)", async () => {
    for (const last of ["small", "large"] as const) {
      const app = chunkedApp();
      const jar = cookieJar();
      await visit(app, `/big/${IN.one}`, jar);
      // Both requests leave with the same one-cookie session; their responses arrive in either order.
      const sent = jar.header();
      const large = await app.request(`/big/${IN.three}`, { headers: sent });
      const small = await app.request(`/big/${IN.two}`, { headers: sent });
      const order = last === "small" ? [large, small] : [small, large];
      for (const res of order) jar.take(res);
      const read = await visit(app, "/read", jar);
      expect(read.body).toMatchObject({ isNew: false, invalid: null });
      expect(read.body.data.big).toHaveLength(last === "small" ? IN.two : IN.three);
      expect(jar.names()).toEqual(namesOf(last === "small" ? 2 : 3));
    }
  });

  it("destroy() expires every chunk name", async () => {
    const app = chunkedApp();
    const jar = cookieJar();
    await visit(app, `/big/${IN.three}`, jar);
    const destroyed = await visit(app, "/destroy", jar);
    expect(destroyed.setCookie).toEqual([`${NAME}${EXPIRED}`, `${NAME}.1${EXPIRED}`, `${NAME}.2${EXPIRED}`]);
    expect(jar.names()).toEqual([]);
  });

  it("a session too large for every chunk fails with SessionTooLargeError and keeps the cookies as they were", async () => {
    const app = chunkedApp();
    const errors: unknown[] = [];
    app.onError((error, c) => {
      errors.push(error);
      return c.text("too large", 500);
    });
    const jar = cookieJar();
    await visit(app, `/big/${IN.two}`, jar);
    const before = new Map(jar.cookies);
    const failed = await visit(app, `/big/${IN.over}`, jar);
    expect(failed.status).toBe(500);
    expect(errors).toEqual([expect.any(SessionTooLargeError)]);
    expect((errors[0] as SessionTooLargeError).limit).toBe(NAME.length + writeLimit(resolveCookie({ chunks: 3 }), 0));
    expect(failed.setCookie).toEqual([]);
    expect(jar.cookies).toEqual(before);
  });

  describe("refused chunks: a fresh session, told why, every chunk name expired, nothing decrypted", () => {
    async function written(size = IN.three) {
      const app = chunkedApp();
      const jar = cookieJar();
      await visit(app, `/big/${size}`, jar);
      return { app, jar };
    }

    const expectRefused = (probe: Awaited<ReturnType<typeof visit>>, invalid: string | string[]) => {
      expect(probe.status).toBe(200);
      expect(probe.body).toMatchObject({ isNew: true, data: {} });
      expect(Array.isArray(invalid) ? invalid : [invalid]).toContain(probe.body.invalid);
      expect([...probe.setCookie].sort()).toEqual(
        namesOf(3)
          .map((name) => `${name}${EXPIRED}`)
          .sort(),
      );
    };

    it("a missing chunk", async () => {
      const { app, jar } = await written();
      jar.cookies.delete(`${NAME}.1`);
      expectRefused(await withoutDecryption(() => visit(app, "/read", jar)), "chunks");
      expect(jar.names()).toEqual([]);
    });

    it("a chunk left from an older, larger write", async () => {
      const { app, jar } = await written(IN.two);
      const stale = (await written(IN.three)).jar.cookies.get(`${NAME}.2`)!;
      jar.cookies.set(`${NAME}.2`, stale);
      expectRefused(await withoutDecryption(() => visit(app, "/read", jar)), "chunks");
    });

    it("chunks of two writes of the same session (mixed)", async () => {
      const { app, jar } = await written();
      const other = cookieJar();
      for (const [name, value] of jar.cookies) other.cookies.set(name, value);
      await visit(app, `/big/${IN.three + 1}`, other);
      jar.cookies.set(`${NAME}.2`, other.cookies.get(`${NAME}.2`)!);
      expectRefused(await withoutDecryption(() => visit(app, "/read", jar)), "chunks");
    });

    it("a chunk sent twice (two cookies of one name, as with cookie tossing)", async () => {
      const { app, jar } = await written();
      const headers = { Cookie: `${jar.header().Cookie}; ${NAME}.1=${jar.cookies.get(`${NAME}.1`)}` };
      const res = await withoutDecryption(async () => app.request("/read", { headers }));
      const body = (await res.json()) as { isNew: boolean; invalid: string };
      expect(body).toMatchObject({ isNew: true, invalid: "duplicate" });
      expect(res.headers.getSetCookie()).toHaveLength(3);
    });

    it("a piece changed inside a chunk: the reassembled value fails authentication", async () => {
      const { app, jar } = await written();
      const chunk = jar.cookies.get(`${NAME}.1`)!;
      const at = 100;
      jar.cookies.set(`${NAME}.1`, chunk.slice(0, at) + (chunk[at] === "A" ? "B" : "A") + chunk.slice(at + 1));
      expectRefused(await visit(app, "/read", jar), "tampered");
    });

    it("a chunk of another session whose id was rewritten to match: authentication refuses the splice", async () => {
      const { app, jar } = await written();
      const other = (await written()).jar;
      const id = jar.cookies.get(`${NAME}.1`)!.slice(0, 8);
      jar.cookies.set(`${NAME}.2`, id + other.cookies.get(`${NAME}.2`)!.slice(8));
      expectRefused(await visit(app, "/read", jar), ["tampered", "malformed"]);
    });
  });
});

describe("chunks with overflow: chunks first, up to the maximum, then the store", () => {
  it("moves 1 -> 2 -> 3 cookies -> a pointer to the store, and back, deleting the entry and expiring stale chunks", async () => {
    const store = new CountingStore(kvStore());
    const app = chunkedApp({ overflow: store });
    const jar = cookieJar();
    await visit(app, "/user/ada", jar);
    for (const [size, count] of [
      [IN.one, 1],
      [IN.two, 2],
      [IN.three, 3],
    ] as const) {
      await visit(app, `/big/${size}`, jar);
      expect(jar.names()).toEqual(namesOf(count));
    }
    expect(store.count("set")).toBe(0); // everything so far lived in the cookies

    const spilled = await visit(app, `/big/${IN.over}`, jar);
    expect(spilled.setCookie).toHaveLength(3);
    expect(jar.names()).toEqual([NAME]); // a small sealed pointer; both chunks expired
    expect(jar.cookies.get(NAME)!.length).toBeLessThan(200);
    const [entry] = store.keys("set");
    expect((await visit(app, "/read", jar)).body.data.big).toHaveLength(IN.over);

    await visit(app, `/big/${IN.three}`, jar);
    expect(jar.names()).toEqual(namesOf(3));
    expect(store.keys("delete")).toEqual([entry]); // back in the cookies: the entry is gone
    expect(await store.inner.get(entry!)).toBeNull();
    await visit(app, "/small", jar);
    expect(jar.names()).toEqual([NAME]);
    expect((await visit(app, "/read", jar)).body).toEqual(expect.objectContaining({ isNew: false, data: { user: "ada" } }));
  });

  it("destroy() of a session in the store deletes the entry and expires every chunk name", async () => {
    const store = new CountingStore(kvStore());
    const app = chunkedApp({ overflow: store });
    const jar = cookieJar();
    await visit(app, `/big/${IN.over}`, jar);
    const destroyed = await visit(app, "/destroy", jar);
    expect(destroyed.setCookie).toHaveLength(3);
    expect(jar.names()).toEqual([]);
    expect(store.count("delete")).toBe(1);
  });
});

describe("chunks with revocation checks", () => {
  it("a chunked session opens through the revocation check, and a copy of its chunks is refused after logout", async () => {
    const app = new Hono<{ Variables: SessionVariables }>();
    app.use(session({ secret: SECRET, idleTimeout: 600, cookie: { chunks: 3 }, revocation: { namespace: env.SESSION_OBJECTS } }));
    app.get("/big", (c) => {
      c.var.session.set("big", "x".repeat(IN.three));
      return c.text("ok");
    });
    app.get("/read", async (c) => {
      const s = await c.var.session.load();
      return c.json({ isNew: s.isNew, invalid: s.invalid ?? null, size: ((await s.get("big")) as string | undefined)?.length ?? 0 });
    });
    app.get("/logout", (c) => {
      c.var.session.destroy();
      return c.text("bye");
    });
    const jar = cookieJar();
    await visit(app, "/big", jar);
    expect(jar.names()).toEqual(namesOf(3));
    const copy = jar.header();
    expect((await visit(app, "/read", jar)).body).toEqual({ isNew: false, invalid: null, size: IN.three });
    await visit(app, "/logout", jar);
    expect(jar.names()).toEqual([]);
    const replay = await app.request("/read", { headers: copy });
    expect(await replay.json()).toEqual({ isNew: true, invalid: "revoked", size: 0 });
  });
});
