/**
 * Property-based tests (fast-check, inside workerd). Seeds are fixed so that a failure reproduces; run counts
 * keep the file at a few seconds on two cores. Limits of the generated data are stated in README "Security model".
 */
import fc from "fast-check";
import { Hono } from "hono";
import { base64url } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { writeLimit } from "../src/core/chunks.js";
import { findCookie, resolveCookie } from "../src/core/cookie.js";
import { unseal } from "../src/crypto/seal.js";
import {
  createKeyring,
  MemoryStore,
  sealedStore,
  sealSession,
  session,
  SessionError,
  SessionTooLargeError,
  unsealSession,
  type Envelope,
  type Keyring,
  type SessionOptions,
  type SessionVariables,
} from "../src/index.js";
import { b64, forgeJwe, rawKey } from "./forge.js";
import { cookieJar, SECRET, testClock } from "./helpers.js";

const NAME = "__Host-session";
/** Deepest nesting the data generators produce (objects and arrays inside the session's top-level object). */
const MAX_DEPTH = 8;
const SEED = 20261124;
const T0 = Date.UTC(2026, 10, 24, 9, 0, 0);

/** Every UTF-16 code unit, lone surrogates included (JSON.stringify escapes them; they must survive). */
const codeUnit = fc.nat(0xffff).map((c) => String.fromCharCode(c));
const text = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 12 }),
  fc.string({ unit: codeUnit, maxLength: 12 }),
  fc.constantFrom("", "__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "0", "-1", "1e3"),
);
/** JSON numbers that survive JSON exactly (-0 is written "0" by JSON.stringify: JSON itself has no -0). */
const number = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => (Object.is(d, -0) ? 0 : d)),
);

function jsonArbitraries(maxWidth: number) {
  return fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { maxDepth: MAX_DEPTH, depthSize: "small" },
      fc.constant(null),
      fc.boolean(),
      number,
      text,
      fc.array(tie("value"), { maxLength: maxWidth }),
      fc.dictionary(text, tie("value"), { maxKeys: maxWidth }),
    ),
  })).value;
}

/** Session data: a JSON object with arbitrary keys and values. */
const sessionData = (maxWidth: number, maxKeys: number) =>
  fc.dictionary(text, jsonArbitraries(maxWidth), { maxKeys }) as fc.Arbitrary<Record<string, unknown>>;

const meta = { id: "AAAAAAAAAAAAAAAAAAAAAA", created: T0, lastUsed: T0, lifetime: 0 };

let keys: Keyring;
let kid: string;
let key: Uint8Array;
beforeAll(async () => {
  keys = await createKeyring(SECRET, { purpose: NAME });
  kid = keys.current.kid;
  key = await rawKey(SECRET, NAME);
});

describe("round trips of arbitrary JSON session data", () => {
  it("seal -> unseal returns exactly the data and flash (unicode, lone surrogates, nesting, __proto__ keys)", async () => {
    await fc.assert(
      fc.asyncProperty(sessionData(8, 10), fc.option(sessionData(4, 4), { nil: undefined }), async (data, flash) => {
        const envelope: Envelope = { data, meta, flash };
        const token = await sealSession(envelope, keys);
        const result = await unsealSession(token, keys, { now: T0, maxLength: Infinity });
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        // Same serialization: same keys in the same order, same values, same types.
        expect(JSON.stringify(result.data)).toBe(JSON.stringify(data));
        // An empty flash is not sealed at all.
        expect(JSON.stringify(result.flash ?? {})).toBe(JSON.stringify(flash ?? {}));
        expect(result.meta).toEqual(meta);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("large arrays (1000 to 20000 elements) round-trip exactly through seal -> unseal", async () => {
    const element = fc.oneof(number, fc.string({ unit: codeUnit, maxLength: 4 }), fc.boolean(), fc.constant(null));
    await fc.assert(
      fc.asyncProperty(fc.array(element, { minLength: 1000, maxLength: 20_000 }), async (list) => {
        const token = await sealSession({ data: { list }, meta }, keys);
        const result = await unsealSession(token, keys, { now: T0, maxLength: Infinity });
        expect(result.ok && JSON.stringify(result.data.list)).toBe(JSON.stringify(list));
      }),
      { seed: SEED, numRuns: 15 },
    );
  });

  it("deep nesting beyond the generators (2000 levels) round-trips through seal -> unseal", async () => {
    const deep = JSON.parse(`${"[".repeat(2000)}{"leaf":"✓"}${"]".repeat(2000)}`) as unknown;
    const token = await sealSession({ data: { deep }, meta }, keys);
    const result = await unsealSession(token, keys, { now: T0, maxLength: Infinity });
    expect(result.ok && JSON.stringify(result.data.deep)).toBe(JSON.stringify(deep));
  });

  it("through the middleware: every value and flash set is read back exactly on the next request, or the app is told it is too large", async () => {
    const clock = testClock(T0);
    const app = new Hono<{ Variables: SessionVariables }>();
    app.use(session({ secret: SECRET, now: clock.now }));
    const errors: unknown[] = [];
    app.onError((error, c) => {
      errors.push(error);
      return c.text("error", 500);
    });
    app.post("/set", async (c) => {
      const body = (await c.req.json()) as { data: Record<string, unknown>; flash: Record<string, unknown> };
      for (const [k, v] of Object.entries(body.data)) c.var.session.set(k, v);
      for (const [k, v] of Object.entries(body.flash)) c.var.session.flash(k, v);
      return c.text("ok");
    });
    app.post("/get", async (c) => {
      const s = c.var.session;
      const flash: Record<string, unknown> = {};
      for (const k of (await c.req.json()) as string[]) Object.defineProperty(flash, k, { value: await s.takeFlash(k), enumerable: true });
      return c.text(JSON.stringify({ data: await s.all(), flash }));
    });
    // Sometimes a long string, so that both outcomes (fits, too large) occur.
    const padding = fc.option(
      fc.integer({ min: 300, max: 2500 }).chain((n) => fc.string({ unit: codeUnit, minLength: n, maxLength: n })),
      { nil: undefined, freq: 2 },
    );
    let fitted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(sessionData(6, 8), sessionData(3, 3), padding, async (data, flash, pad) => {
        if (pad !== undefined) data.pad = pad;
        errors.length = 0;
        const set = await app.request("/set", { method: "POST", body: JSON.stringify({ data, flash }) });
        if (set.status === 500) {
          // Refused: the app is told, with the size, and no cookie is written (nothing half-saved).
          refused++;
          expect(errors).toHaveLength(1);
          expect(errors[0]).toBeInstanceOf(SessionError);
          expect((errors[0] as SessionError).code).toBe("TOO_LARGE");
          expect(set.headers.getSetCookie()).toEqual([]);
          return;
        }
        fitted++;
        expect(set.status).toBe(200);
        const [raw] = set.headers.getSetCookie();
        const headers: Record<string, string> = raw ? { Cookie: raw.slice(0, raw.indexOf(";")) } : {};
        const get = await app.request("/get", { method: "POST", headers, body: JSON.stringify(Object.keys(flash)) });
        expect(await get.text()).toBe(JSON.stringify({ data, flash }));
      }),
      { seed: SEED, numRuns: 150 },
    );
    // Both outcomes were exercised.
    expect(fitted).toBeGreaterThan(50);
    expect(refused).toBeGreaterThan(0);
  });
});

describe("round trips through the store-backed modes and the sealing proxy", () => {
  /** An app whose /put replaces the whole session with the posted data, and /get returns it. */
  function replacingApp(options: Partial<SessionOptions>) {
    const app = new Hono<{ Variables: SessionVariables }>();
    app.use(session({ secret: SECRET, ...options }));
    app.post("/put", async (c) => {
      const s = c.var.session;
      s.clear();
      for (const [k, v] of Object.entries((await c.req.json()) as Record<string, unknown>)) s.set(k, v);
      return c.text("ok");
    });
    app.get("/get", async (c) => c.text(JSON.stringify(await c.var.session.all())));
    return app;
  }
  /** Where a cookie keeps its session: nowhere, inline in the cookie, or in the store behind a pointer. */
  async function placeOf(cookie: string | undefined): Promise<string> {
    if (cookie === undefined) return "none";
    const opened = await unseal(cookie.slice(NAME.length + 1), keys, 4096);
    if (!opened.ok) return opened.reason;
    return "i" in (JSON.parse(new TextDecoder().decode(opened.plaintext)) as object) ? "cookie" : "store";
  }
  // Data that is sometimes small enough for the cookie and sometimes far too big for it.
  const sized = fc.tuple(sessionData(4, 6), fc.constantFrom(0, 0, 100, 3000, 6000, 40_000)).map(([data, n]) => {
    if (n) data.pad = "é".repeat(n);
    return data;
  });

  it.each(["overflow", "store"] as const)("%s mode: successive arbitrary sessions (cookie <-> store) read back exactly", async (mode) => {
    const store = new MemoryStore();
    const app = replacingApp({ [mode]: store });
    const places = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.array(sized, { minLength: 1, maxLength: 6 }), async (versions) => {
        let cookie: string | undefined;
        for (const data of versions) {
          const put = await app.request("/put", { method: "POST", body: JSON.stringify(data), headers: cookie ? { Cookie: cookie } : {} });
          expect(put.status).toBe(200);
          const raw = put.headers.getSetCookie()[0];
          if (raw) cookie = /Max-Age=0/.test(raw) ? undefined : raw.slice(0, raw.indexOf(";"));
          const got = await app.request("/get", { headers: cookie ? { Cookie: cookie } : {} });
          expect(await got.text()).toBe(JSON.stringify(data));
          places.add(await placeOf(cookie));
        }
      }),
      { seed: SEED, numRuns: 60 },
    );
    // Overflow mode really moved sessions both ways; server-side mode kept them all in the store.
    expect([...places].sort()).toEqual(mode === "overflow" ? ["cookie", "none", "store"] : ["none", "store"]);
  });

  it("sealedStore: any key and any well-formed value round-trip (a lone surrogate is refused), and a value copied under another key never opens", async () => {
    const inner = new MemoryStore();
    const sealed = sealedStore(inner, keys);
    const key = fc.string({ unit: codeUnit, minLength: 1, maxLength: 40 });
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(key, key, fc.string({ unit: codeUnit, maxLength: 2000 }), async (a, b, value) => {
        fc.pre(a !== b);
        if (/\p{Surrogate}/u.test(value)) {
          // No UTF-8 form: refused at the boundary rather than stored changed.
          await expect(sealed.set(a, value, { ttl: 60 })).rejects.toThrow(TypeError);
          refused++;
          return;
        }
        await sealed.set(a, value, { ttl: 60 });
        expect(await sealed.get(a)).toBe(value);
        await inner.set(b, (await inner.get(a))!, { ttl: 60 });
        expect(await sealed.open(b)).toEqual({ ok: false, reason: "tampered" });
      }),
      { seed: SEED, numRuns: 300 },
    );
    expect(refused).toBeGreaterThan(0);
    expect(refused).toBeLessThan(300);
  });
});

describe("sessions split over cookies (cookie.chunks)", () => {
  /** An app whose /put replaces the whole session with the posted data and /get returns it; errors are kept. */
  function chunkedApp(chunks: number, overflow: MemoryStore | undefined, errors: unknown[]) {
    const app = new Hono<{ Variables: SessionVariables }>();
    app.use(session({ secret: SECRET, now: () => T0, cookie: { chunks }, overflow }));
    app.onError((error, c) => {
      errors.push(error);
      return c.text("error", 500);
    });
    app.post("/put", async (c) => {
      const s = c.var.session;
      s.clear();
      for (const [k, v] of Object.entries((await c.req.json()) as Record<string, unknown>)) s.set(k, v);
      return c.text("ok");
    });
    app.get("/get", async (c) => c.text(JSON.stringify(await c.var.session.all())));
    return app;
  }
  /** What the session's sealed value would take: the same wire format, so the same length whatever the id. */
  const sealedLength = async (data: Record<string, unknown>) => (await sealSession({ data, meta }, keys)).length;
  // Data from a few bytes to beyond what 3 chunks hold, escapes and multi-byte characters included.
  const sized = fc
    .tuple(sessionData(3, 4), fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 16_000 })), fc.boolean())
    .map(([data, n, ascii]) => {
      if (n) data.pad = ascii ? "a".repeat(n) : "é\u0001".repeat(Math.ceil(n / 3));
      return data;
    });

  it.each([
    ["without overflow", false],
    ["with overflow", true],
  ] as const)(
    "%s: any session up to what the chunks hold reads back whole in the fewest cookies; a larger one is refused (SessionTooLargeError) or goes to the store",
    async (_, withOverflow) => {
      const outcomes = new Set<string>();
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(1, 2, 3, 10), fc.array(sized, { minLength: 1, maxLength: 4 }), async (chunks, versions) => {
          const store = withOverflow ? new MemoryStore() : undefined;
          const errors: unknown[] = [];
          const app = chunkedApp(chunks, store, errors);
          const limit = writeLimit(resolveCookie({ chunks }), 0);
          /** The fewest cookies that hold a sealed value of `length` (written independently: smallest n whose capacity is enough). */
          const fewest = (length: number) =>
            [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].find((n) => n <= chunks && length <= writeLimit(resolveCookie({ chunks: n }), 0));
          const jar = cookieJar();
          let current: Record<string, unknown> = {};
          for (const data of versions) {
            const length = await sealedLength(data);
            const put = await app.request("/put", { method: "POST", body: JSON.stringify(data), headers: jar.header() });
            jar.take(put);
            for (const [name, value] of jar.cookies) expect(name.length + value.length).toBeLessThanOrEqual(4096);
            if (length > limit && !withOverflow) {
              expect(put.status).toBe(500);
              expect(errors.splice(0)).toEqual([expect.any(SessionTooLargeError)]);
              outcomes.add("refused");
            } else {
              expect(put.status).toBe(200);
              current = data;
              const count = fewest(length);
              if (!Object.keys(data).length)
                expect(jar.cookies.size).toBe(0); // an empty session keeps no cookie
              else if (count === undefined)
                expect(jar.names()).toEqual(["__Host-session"]); // in the store, behind a pointer
              else expect(jar.cookies.size).toBe(count);
              outcomes.add(count === undefined ? "store" : count === 1 ? "one cookie" : "chunks");
            }
            const got = await app.request("/get", { headers: jar.header() });
            expect(await got.text()).toBe(JSON.stringify(current));
          }
        }),
        { seed: SEED, numRuns: 40 },
      );
      expect([...outcomes].sort()).toEqual(withOverflow ? ["chunks", "one cookie", "store"] : ["chunks", "one cookie", "refused"]);
    },
  );
});

describe("arbitrary mutations of a valid cookie", () => {
  const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  type Mutation = (token: string) => string;

  const segmentIndex = fc.nat(4);
  const mutations: fc.Arbitrary<[string, Mutation]> = fc.oneof(
    fc.tuple(segmentIndex, fc.nat(), fc.nat(7)).map(([s, at, bit]): [string, Mutation] => [
      `flip bit ${bit} of a byte in segment ${s}`,
      (t) => {
        const parts = t.split(".");
        if (parts.length <= s) return t + "A";
        let bytes: Uint8Array;
        try {
          bytes = base64url.decode(parts[s]!);
        } catch {
          return t.slice(1); // an earlier mutation broke the encoding: any change will do
        }
        if (bytes.length === 0) bytes = new Uint8Array([1 << bit]);
        else bytes[at % bytes.length]! ^= 1 << bit;
        parts[s] = base64url.encode(bytes);
        return parts.join(".");
      },
    ]),
    fc.tuple(fc.nat(), fc.nat(63)).map(([at, c]): [string, Mutation] => [
      "replace one character with another base64url character",
      (t) => {
        const i = at % t.length;
        const replacement = B64URL[c] === t[i] ? B64URL[(c + 1) % 64]! : B64URL[c]!;
        return t.slice(0, i) + replacement + t.slice(i + 1);
      },
    ]),
    fc.nat().map((n): [string, Mutation] => ["truncate", (t) => t.slice(0, n % t.length)]),
    fc.string({ minLength: 1, maxLength: 40 }).map((tail): [string, Mutation] => [`extend with ${JSON.stringify(tail)}`, (t) => t + tail]),
    fc
      .string({ unit: fc.constantFrom(...B64URL, "."), minLength: 1, maxLength: 40 })
      .map((tail): [string, Mutation] => [`extend with ${tail}`, (t) => t + tail]),
    fc
      .shuffledSubarray([0, 1, 2, 3, 4], { minLength: 5, maxLength: 5 })
      .filter((order) => order.some((v, i) => v !== i))
      .map((order): [string, Mutation] => [`reorder segments ${order.join("")}`, (t) => order.map((i) => t.split(".")[i]).join(".")]),
    fc.tuple(segmentIndex, fc.boolean()).map(([s, dup]): [string, Mutation] => [
      dup ? `duplicate segment ${s}` : `drop segment ${s}`,
      (t) => {
        const parts = t.split(".");
        parts.splice(s, dup ? 0 : 1, ...(dup ? [parts[s]!] : []));
        return parts.join(".");
      },
    ]),
    fc
      .tuple(
        fc.nat(),
        fc.constantFrom("+", "/", "=", "%", "~", "*", "!", "$", "'", "(", ")", ",", ":", "@", "[", "]", "\\", "^", "`", "{", "|", "}"),
      )
      .map(([at, c]): [string, Mutation] => [
        "base64url alphabet abuse",
        (t) => {
          const i = at % t.length;
          return t.slice(0, i) + c + t.slice(i + 1);
        },
      ]),
    fc.tuple(segmentIndex, fc.constantFrom("=", "==", "===")).map(([s, pad]): [string, Mutation] => [
      `pad segment ${s} with ${pad}`,
      (t) =>
        t
          .split(".")
          .map((p, i) => (i === s ? p + pad : p))
          .join("."),
    ]),
    fc
      .tuple(fc.nat(), fc.constantFrom(" ", "\t", "\n", "\r\n", "\u000B", "\u000C", "\u00A0", "\u2028", "\u3000", "\uFEFF"))
      .map(([at, ws]): [string, Mutation] => [
        "insert whitespace",
        (t) => {
          const i = at % (t.length + 1);
          return t.slice(0, i) + ws + t.slice(i);
        },
      ]),
    fc
      .oneof(
        fc
          .record({
            alg: fc.constantFrom("dir", "none", "A256KW", "RSA-OAEP", "PBES2-HS256+A128KW", "Dir"),
            enc: fc.constantFrom("A256GCM", "A128GCM", "A256CBC-HS512", "none"),
            kid: fc.oneof(fc.constant("REAL"), fc.string({ maxLength: 12 })),
            zip: fc.option(fc.constant("DEF"), { nil: undefined }),
            crit: fc.option(fc.constant(["exp"]), { nil: undefined }),
            jku: fc.option(fc.webUrl(), { nil: undefined }),
          })
          .map((h) => JSON.stringify(h)),
        fc.json({ maxDepth: 2 }),
        fc.string({ unit: codeUnit, maxLength: 60 }),
      )
      .map((header): [string, Mutation] => [
        `header replaced by ${header.slice(0, 60)}`,
        (t) => [b64(header.replace('"REAL"', JSON.stringify(kid))), ...t.split(".").slice(1)].join("."),
      ]),
  );
  const mutationChain = fc.array(mutations, { minLength: 1, maxLength: 3 });

  let tokens: string[];
  beforeAll(async () => {
    tokens = await Promise.all(
      [{ user: "victim", balance: 1000 }, {}, { note: "ü".repeat(300) }].map((data) => sealSession({ data, meta }, keys)),
    );
  });

  const apply = (token: string, chain: [string, Mutation][]) => chain.reduce((t, [, mutate]) => mutate(t), token);

  /**
   * Whether `${NAME}=${mutated}` still carries exactly the original cookie, by RFC 6265 rules written out
   * independently of src/cookie.ts: the value ends at the first ';', SP and HTAB around it do not count, and
   * what follows are other cookies, unless one of them has the session's name (then neither is trusted).
   */
  function sameCookie(mutated: string, token: string): boolean {
    const trim = (v: string) => v.replace(/^[ \t]+|[ \t]+$/g, "");
    const [value, ...others] = mutated.split(";");
    return trim(value!) === token && !others.some((pair) => pair.includes("=") && trim(pair.slice(0, pair.indexOf("="))) === NAME);
  }

  it("unsealSession never opens a mutated token and never throws: it returns a reason", async () => {
    const reasons = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.nat(2), mutationChain, async (which, chain) => {
        const token = tokens[which]!;
        const mutated = apply(token, chain);
        fc.pre(mutated !== token);
        const result = await unsealSession(mutated, keys, { now: T0 });
        expect(result).toEqual({ ok: false, reason: expect.any(String) });
        reasons.add((result as { reason: string }).reason);
      }),
      { seed: SEED, numRuns: 2000 },
    );
    // The generators reach every refusal path of the token format.
    expect([...reasons].sort()).toEqual(["algorithm", "malformed", "tampered", "unknown-key"]);
  });

  it("the middleware gives a fresh empty session with a reason (never data, never an error) for any mutated cookie", async () => {
    const clock = testClock(T0);
    const app = new Hono<{ Variables: SessionVariables }>();
    app.use(session({ secret: SECRET, now: clock.now }));
    app.get("/", async (c) => {
      const s = await c.var.session.load();
      return c.json({ isNew: s.isNew, invalid: s.invalid ?? null, data: await s.all() });
    });
    // Header values can carry neither CR, LF nor NUL, and workerd warns on every non-ASCII one; the token-level
    // property above covers those characters.
    const sendable = (value: string) => /^[\t\x20-\x7e]*$/.test(value);
    await fc.assert(
      fc.asyncProperty(fc.nat(2), mutationChain, async (which, chain) => {
        const token = tokens[which]!;
        const mutated = apply(token, chain);
        fc.pre(sendable(mutated));
        const res = await app.request("/", { headers: { Cookie: `${NAME}=${mutated}` } });
        expect(res.status).toBe(200);
        const probe = (await res.json()) as { isNew: boolean; invalid: string | null; data: unknown };
        if (sameCookie(mutated, token)) {
          expect(probe.isNew).toBe(false);
          return;
        }
        expect(probe).toEqual({ isNew: true, invalid: expect.any(String), data: {} });
        expect(res.headers.getSetCookie()).toEqual([expect.stringMatching(new RegExp(`^${NAME}=; Max-Age=0;`))]);
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it("arbitrary Cookie headers never break the request and never yield a session", async () => {
    const app = new Hono<{ Variables: SessionVariables }>();
    app.use(session({ secret: SECRET }));
    app.get("/", async (c) => {
      const s = await c.var.session.load();
      return c.json({ isNew: s.isNew, data: await s.all() });
    });
    const header = b64(JSON.stringify({ alg: "dir", enc: "A256GCM", kid: "x" }));
    const piece = fc.oneof(
      fc.constantFrom(NAME, "=", ";", " ", "\t", ".", "..", "__Host-", "session", header),
      fc.string({ unit: "binary-ascii", maxLength: 8 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(piece, { maxLength: 30 }).map((p) => p.join("")),
        async (header) => {
          fc.pre(/^[\t\x20-\x7e]*$/.test(header));
          expect(() => findCookie(header, NAME)).not.toThrow();
          const res = await app.request("/", { headers: { Cookie: header } });
          expect(res.status).toBe(200);
          expect(await res.json()).toEqual({ isNew: true, data: {} });
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });
});

describe("authentic ciphertext, arbitrary plaintext (a value sealed with the key for another use)", () => {
  it("never throws and never yields anything but a plain-object session", async () => {
    const plaintext = fc.oneof(
      fc.json({ maxDepth: 4 }),
      fc.string({ unit: codeUnit, maxLength: 80 }),
      fc
        .record({
          i: fc.oneof(fc.constant("AAAAAAAAAAAAAAAAAAAAAA"), fc.string()),
          c: fc.anything(),
          u: fc.anything(),
          l: fc.anything(),
          d: fc.anything(),
          f: fc.anything(),
        })
        .map((w) => {
          try {
            return JSON.stringify(w) ?? "";
          } catch {
            return "{}";
          }
        }),
    );
    await fc.assert(
      fc.asyncProperty(plaintext, async (text) => {
        const token = await forgeJwe({ header: { alg: "dir", enc: "A256GCM", kid }, plaintext: text, key });
        const result = await unsealSession(token, keys, { now: T0, maxLength: Infinity });
        if (result.ok) {
          expect(Object.getPrototypeOf(result.data)).toBe(Object.prototype);
          expect(Array.isArray(result.data)).toBe(false);
        } else {
          expect(["not-a-session", "future", "idle", "absolute"]).toContain(result.reason);
        }
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

describe("sealed metadata against the server's clock", () => {
  it("the middleware hands out data only for sessions whose sealed timestamps pass every limit", async () => {
    const IDLE = 600;
    const ABSOLUTE = 3600;
    const SKEW = 60;
    const clock = testClock(T0);
    const app = new Hono<{ Variables: SessionVariables }>();
    app.use(session({ secret: SECRET, idleTimeout: IDLE, absoluteTimeout: ABSOLUTE, now: clock.now }));
    app.get("/", async (c) => {
      const s = await c.var.session.load();
      return c.json({ isNew: s.isNew, expired: s.expired ?? null, invalid: s.invalid ?? null, data: await s.all() });
    });
    const now = T0 / 1000;
    // Seconds around now: far past, just past each limit, within and beyond the allowed skew.
    const second = fc.oneof(
      fc.integer({ min: now - 2 * ABSOLUTE, max: now + 2 * SKEW }),
      fc.constantFrom(now, now - IDLE, now - IDLE - 1, now - ABSOLUTE, now - ABSOLUTE - 1, now + SKEW, now + SKEW + 1),
    );
    const outcomes = new Set<string>();
    await fc.assert(
      fc.asyncProperty(second, second, async (created, lastUsed) => {
        const wire = JSON.stringify({ i: "AAAAAAAAAAAAAAAAAAAAAA", c: created, u: lastUsed, l: 0, d: { user: "victim" } });
        const token = await forgeJwe({ header: { alg: "dir", enc: "A256GCM", kid }, plaintext: wire, key });
        const probe = (await (await app.request("/", { headers: { Cookie: `${NAME}=${token}` } })).json()) as {
          isNew: boolean;
          expired: string | null;
          invalid: string | null;
          data: object;
        };
        // The rules, written out independently of src/expiry.ts.
        const future = created > now + SKEW || lastUsed > now + SKEW || lastUsed < created;
        const valid = !future && now - created <= ABSOLUTE && now - lastUsed <= IDLE;
        outcomes.add(valid ? "valid" : future ? "future" : (probe.expired ?? "?"));
        if (valid) expect(probe).toEqual({ isNew: false, expired: null, invalid: null, data: { user: "victim" } });
        else {
          expect(probe).toMatchObject({ isNew: true, data: {} });
          expect(future ? probe.invalid : probe.expired).toBe(future ? "future" : now - created > ABSOLUTE ? "absolute" : "idle");
        }
      }),
      { seed: SEED, numRuns: 300 },
    );
    expect([...outcomes].sort()).toEqual(["absolute", "future", "idle", "valid"]);
  });
});
