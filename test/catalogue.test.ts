/**
 * The attack catalogue: one test per attack or bad input, named by what a user would lose if the library got it
 * wrong. Every refused cookie must give the app a fresh, empty session with a stated reason, a 200 response from
 * the app (never a throw), a Set-Cookie that removes the bad cookie, and nothing of the victim's data.
 */
import { Hono } from "hono";
import { getCookie } from "hono/cookie";
import { parse as parseCookies } from "hono/utils/cookie";
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import {
  createKeyring,
  session,
  SessionConfigError,
  SessionError,
  SessionTooLargeError,
  unsealSession,
  type SessionOptions,
  type SessionVariables,
} from "../src/index.js";
import { findCookie, findCookies } from "../src/core/cookie.js";
import { b64, envelopeText, forgeJwe, rawKey, stringWork } from "./forge.js";
import { OLD_SECRET, SECRET, testClock } from "./helpers.js";

const NAME = "__Host-session";
const IDLE = 1800;
const ABSOLUTE = 12 * 3600;

interface Probe {
  status: number;
  isNew: boolean;
  invalid: string | null;
  expired: string | null;
  data: Record<string, unknown>;
  setCookie: string[];
}

/** A bank-like app: login stores the user and a balance; /me reports what the session holds. */
function bank(options: Partial<SessionOptions> = {}) {
  const clock = testClock();
  const app = new Hono<{ Variables: SessionVariables }>();
  app.use(session({ secret: SECRET, idleTimeout: IDLE, absoluteTimeout: ABSOLUTE, now: clock.now, ...options }));
  app.post("/login", async (c) => {
    const s = c.var.session;
    s.regenerate();
    s.set("user", (await c.req.text()) || "victim");
    s.set("balance", 1000);
    return c.text("ok");
  });
  app.post("/logout", (c) => {
    c.var.session.destroy();
    return c.text("bye");
  });
  app.post("/grow", async (c) => {
    c.var.session.set("history", "h".repeat(Number(await c.req.text())));
    return c.text("grown");
  });
  app.get("/me", async (c) => {
    const s = await c.var.session.load();
    return c.json({ isNew: s.isNew, invalid: s.invalid ?? null, expired: s.expired ?? null, data: await s.all() });
  });

  /** Sends a raw Cookie header (or none) to /me; checks that nothing secret leaves in the response. */
  async function me(cookieHeader?: string | Headers): Promise<Probe> {
    const headers =
      cookieHeader instanceof Headers ? cookieHeader : new Headers(cookieHeader === undefined ? {} : { Cookie: cookieHeader });
    const res = await app.request("/me", { headers });
    const text = await res.text();
    expectNoSecret(text + JSON.stringify([...res.headers]));
    const body = res.headers.get("Content-Type")?.includes("json") ? (JSON.parse(text) as Omit<Probe, "status" | "setCookie">) : undefined;
    return { status: res.status, setCookie: res.headers.getSetCookie(), ...body! };
  }

  /** Logs a user in and returns the sealed cookie value. */
  async function login(user = "victim"): Promise<string> {
    const res = await app.request("/login", { method: "POST", body: user });
    const raw = res.headers.getSetCookie().find((h) => h.startsWith(`${NAME}=`))!;
    return raw.slice(NAME.length + 1, raw.indexOf(";"));
  }

  async function logout(cookie: string): Promise<string[]> {
    return (await app.request("/logout", { method: "POST", headers: { Cookie: `${NAME}=${cookie}` } })).headers.getSetCookie();
  }

  /** Logs a user in and grows the session to `size` bytes of history: every cookie it then holds (chunks too). */
  async function grown(user: string, size: number): Promise<Map<string, string>> {
    const jar = new Map([[NAME, await login(user)]]);
    const res = await app.request("/grow", { method: "POST", body: String(size), headers: { Cookie: cookie(jar.get(NAME)!) } });
    for (const line of res.headers.getSetCookie()) {
      const name = line.slice(0, line.indexOf("="));
      if (line.includes("Max-Age=0")) jar.delete(name);
      else jar.set(name, line.slice(name.length + 1, line.indexOf(";")));
    }
    return jar;
  }

  return { app, clock, me, login, logout, grown };
}

/** A refused cookie: fresh and empty session, the reason told, the bad cookie removed, no error. */
function expectRefused(probe: Probe, reason: string | readonly string[]) {
  expect(probe.status).toBe(200);
  expect(probe.data).toEqual({});
  expect(probe.isNew).toBe(true);
  expect(probe.expired).toBeNull();
  if (typeof reason === "string") expect(probe.invalid).toBe(reason);
  else expect(reason).toContain(probe.invalid);
  expect(probe.setCookie).toEqual([expect.stringMatching(new RegExp(`^${NAME}=; Max-Age=0;`))]);
}

function expectNoSecret(text: string) {
  for (const secret of [SECRET, OLD_SECRET]) {
    expect(text).not.toContain(secret);
    // Nor a recognisable piece of it.
    expect(text).not.toContain(secret.slice(0, 16));
  }
}

const cookie = (value: string) => `${NAME}=${value}`;

let key: Uint8Array;
let kid: string;
let logged: MockInstance[];
beforeEach(async () => {
  key = await rawKey(SECRET, NAME);
  kid = (await createKeyring(SECRET, { purpose: NAME })).current.kid;
  logged = (["log", "info", "warn", "error", "debug"] as const).map((level) => vi.spyOn(console, level));
});
afterEach(() => {
  // Nothing the library (or Hono's error handler) logged may carry a secret.
  for (const spy of logged) expectNoSecret(JSON.stringify(spy.mock.calls.map((args) => args.map(String))));
  vi.restoreAllMocks();
});

/** Runs `attack` and asserts that no AES decryption (nor PBKDF2) ran: refusal by header checks alone. */
async function withoutDecryption<T>(attack: () => Promise<T>): Promise<T> {
  const decrypt = vi.spyOn(crypto.subtle, "decrypt");
  const deriveBits = vi.spyOn(crypto.subtle, "deriveBits");
  const deriveKey = vi.spyOn(crypto.subtle, "deriveKey");
  try {
    return await attack();
  } finally {
    expect(decrypt).not.toHaveBeenCalled();
    const pbkdf2 = [...deriveBits.mock.calls, ...deriveKey.mock.calls].filter(([algorithm]) =>
      JSON.stringify(algorithm).includes("PBKDF2"),
    );
    expect(pbkdf2).toEqual([]);
    decrypt.mockRestore();
    deriveBits.mockRestore();
    deriveKey.mockRestore();
  }
}

describe("control: the forging helpers build what the library accepts", () => {
  it("a hand-built JWE with the allowed header and the derived key opens as a session", async () => {
    const b = bank();
    const token = await forgeJwe({
      header: { alg: "dir", enc: "A256GCM", kid },
      plaintext: envelopeText({ user: "forged" }, { created: b.clock.now() }),
      key,
    });
    const probe = await b.me(cookie(token));
    expect(probe).toMatchObject({ status: 200, isNew: false, invalid: null, data: { user: "forged" } });
  });

  it("the spies see a real decryption and parse, so 'refused before decryption' is not vacuous", async () => {
    const b = bank();
    const token = await b.login();
    const decrypt = vi.spyOn(crypto.subtle, "decrypt");
    const parse = vi.spyOn(JSON, "parse");
    expect(await b.me(cookie(token))).toMatchObject({ isNew: false });
    expect(decrypt).toHaveBeenCalledTimes(1);
    expect(parse.mock.calls.some(([text]) => String(text).includes('"victim"'))).toBe(true);
  });
});

describe("header attacks: refused before any decryption", () => {
  it("alg none: anyone could otherwise write a session (log in as anyone) without the key", async () => {
    const b = bank();
    const body = b64(envelopeText({ user: "admin" }, { created: b.clock.now() }));
    // Both the JWS-style unsecured form and a 5-segment JWE with alg none.
    for (const token of [
      `${b64('{"alg":"none"}')}.${body}.`,
      `${b64(`{"alg":"none","enc":"A256GCM","kid":"${kid}"}`)}..AAAAAAAAAAAAAAAA.${body}.AAAAAAAAAAAAAAAAAAAAAA`,
    ]) {
      expectRefused(await withoutDecryption(() => b.me(cookie(token))), ["malformed", "algorithm"]);
    }
  });

  it.each([
    "RSA-OAEP",
    "RSA-OAEP-256",
    "RSA1_5",
    "A128KW",
    "A256KW",
    "A256GCMKW",
    "ECDH-ES",
    "ECDH-ES+A256KW",
    "PBES2-HS256+A128KW",
    "HS256",
    "DIR",
  ])("alg %s: a key-management header could otherwise make the server unwrap an attacker-chosen key", async (alg) => {
    const b = bank();
    const token = await forgeJwe({
      header: { alg, enc: "A256GCM", kid },
      plaintext: envelopeText({ user: "admin" }, { created: b.clock.now() }),
      key,
      encryptedKey: alg === "dir" ? "" : "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    });
    expectRefused(await withoutDecryption(() => b.me(cookie(token))), "algorithm");
  });

  it.each(["A128GCM", "A192GCM", "A128CBC-HS256", "A192CBC-HS384", "A256CBC-HS512", "none", ""])(
    "enc %j with alg dir: a weaker or mismatched cipher could otherwise be negotiated by the cookie",
    async (enc) => {
      const b = bank();
      const token = await forgeJwe({
        header: { alg: "dir", enc, kid },
        plaintext: envelopeText({ user: "admin" }, { created: b.clock.now() }),
        key,
      });
      expectRefused(await withoutDecryption(() => b.me(cookie(token))), ["algorithm", "malformed"]);
    },
  );

  it("a real A256CBC-HS512 session sent to an A256GCM app (same secret): no cipher confusion across configurations", async () => {
    const cbc = bank({ encryption: "A256CBC-HS512" });
    const token = await cbc.login();
    expectRefused(await withoutDecryption(() => bank().me(cookie(token))), ["algorithm", "unknown-key"]);
  });

  it("zip DEF compression bomb (1 MB of zeros in 1 KB): the Worker could otherwise be made to inflate it per request", async () => {
    const b = bank();
    const compressed = await deflateRaw(new Uint8Array(1 << 20));
    expect(compressed.length).toBeLessThan(2048);
    const token = await forgeJwe({ header: { alg: "dir", enc: "A256GCM", kid, zip: "DEF" }, plaintext: compressed, key });
    expect(cookie(token).length).toBeLessThan(4096);
    expectRefused(await withoutDecryption(() => b.me(cookie(token))), "algorithm");
  });

  it("PBES2 with p2c = 2^31: a single cookie could otherwise pin a CPU for minutes of PBKDF2", async () => {
    const b = bank();
    const token = await forgeJwe({
      header: { alg: "PBES2-HS512+A256KW", enc: "A256GCM", p2c: 2 ** 31, p2s: "AAAAAAAAAAAAAAAAAAAAAA", kid },
      plaintext: "{}",
      key,
      encryptedKey: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    });
    expectRefused(await withoutDecryption(() => b.me(cookie(token))), "algorithm");
  });

  it.each([
    ["jku", { jku: "https://attacker.example/jwks.json" }],
    ["jwk", { jwk: { kty: "oct", k: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" } }],
    ["x5u", { x5u: "https://attacker.example/cert.pem" }],
    ["x5c", { x5c: ["MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"] }],
  ])("%s header: the cookie could otherwise name its own key (or make the Worker fetch one)", async (_, extra) => {
    const b = bank();
    const token = await forgeJwe({
      header: { alg: "dir", enc: "A256GCM", kid, ...extra },
      plaintext: envelopeText({ user: "admin" }, { created: b.clock.now() }),
      key,
    });
    expectRefused(await withoutDecryption(() => b.me(cookie(token))), "algorithm");
  });

  it("crit header: a cookie could otherwise demand semantics the server silently ignores", async () => {
    const b = bank();
    const token = await forgeJwe({
      header: { alg: "dir", enc: "A256GCM", kid, crit: ["exp"], exp: 1 },
      plaintext: envelopeText({ user: "admin" }, { created: b.clock.now() }),
      key,
    });
    expectRefused(await withoutDecryption(() => b.me(cookie(token))), ["algorithm", "malformed"]);
  });

  it("a header member named __proto__: header parsing could otherwise pollute prototypes or smuggle members", async () => {
    const b = bank();
    const header = `{"alg":"dir","enc":"A256GCM","kid":"${kid}","__proto__":{"alg":"none","polluted":true}}`;
    const token = await forgeJwe({ header, plaintext: envelopeText({ user: "admin" }, { created: b.clock.now() }), key });
    expectRefused(await withoutDecryption(() => b.me(cookie(token))), "algorithm");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ["not JSON", "alg=dir"],
    ["a JSON array", "[]"],
    ["JSON null", "null"],
    ["a JSON string", '"dir"'],
    ["an empty object", "{}"],
  ])("a protected header that is %s: a parser crash could otherwise take the request down", async (_, header) => {
    const b = bank();
    const token = await forgeJwe({ header, plaintext: "{}", key });
    expectRefused(await withoutDecryption(() => b.me(cookie(token))), ["malformed", "algorithm"]);
  });

  it.each([
    ["members reordered", (k: string) => `{"enc":"A256GCM","alg":"dir","kid":"${k}"}`],
    ["a UTF-8 byte-order mark in front (which jose's decoder strips)", (k: string) => `\uFEFF{"alg":"dir","enc":"A256GCM","kid":"${k}"}`],
    ["whitespace inside the JSON", (k: string) => `{"alg": "dir", "enc": "A256GCM", "kid": "${k}"}`],
    [
      "a duplicate member (a parser keeping the first would read alg none)",
      (k: string) => `{"alg":"none","alg":"dir","enc":"A256GCM","kid":"${k}"}`,
    ],
    ["an escaped character", (k: string) => `{"alg":"dir","enc":"A256\\u0047CM","kid":"${k}"}`],
  ])("a header with the right members but %s (by someone holding the key): only the exact header seal writes opens", async (_, text) => {
    const b = bank();
    const token = await forgeJwe({ header: text(kid), plaintext: envelopeText({ user: "admin" }, { created: b.clock.now() }), key });
    expectRefused(await withoutDecryption(() => b.me(cookie(token))), "malformed");
  });

  it("a header equivalent but re-serialized from a real session: refused before decryption, the session still opens as sent", async () => {
    const b = bank();
    const token = await b.login();
    const [, ...rest] = token.split(".");
    const reordered = [b64(`{"enc":"A256GCM","alg":"dir","kid":"${kid}"}`), ...rest].join(".");
    expectRefused(await withoutDecryption(() => b.me(cookie(reordered))), "malformed");
    expect(await b.me(cookie(token))).toMatchObject({ isNew: false, data: { user: "victim" } });
  });
});

describe("key ids", () => {
  it("an unknown kid: a cookie from a key the server never had must not open (nor fall back to the current key)", async () => {
    const b = bank();
    const token = await forgeJwe({
      header: { alg: "dir", enc: "A256GCM", kid: "AAAAAAAA" },
      plaintext: envelopeText({ user: "admin" }, { created: b.clock.now() }),
      key,
    });
    expectRefused(await withoutDecryption(() => b.me(cookie(token))), "unknown-key");
  });

  it.each([
    ["path traversal", "../../../../etc/passwd"],
    ["an absolute URL", "https://attacker.example/key"],
    ["SQL injection", "' OR '1'='1' --"],
    ["a NUL byte and CRLF", "x\u0000\r\nSet-Cookie: admin=1"],
    ["a prototype name", "__proto__"],
    ["a 3000-character id", "k".repeat(3000)],
    ["a number", 0],
    ["an array of the real kid", ["REAL"]],
    ["an object", { toString: "REAL" }],
  ])("a kid holding %s: a key lookup could otherwise be steered to a file, URL, query or prototype", async (_, bad) => {
    const b = bank();
    const badKid = Array.isArray(bad) ? [kid] : bad;
    const token = await forgeJwe({
      header: { alg: "dir", enc: "A256GCM", kid: badKid },
      plaintext: envelopeText({ user: "admin" }, { created: b.clock.now() }),
      key,
    });
    expectRefused(await withoutDecryption(() => b.me(cookie(token))), ["unknown-key", "too-large"]);
  });

  it("an old-key cookie after the key was removed from the ring: rotation must really retire a leaked key", async () => {
    const rotating = bank({ secret: [SECRET, OLD_SECRET] });
    const oldOnly = bank({ secret: OLD_SECRET });
    const token = await oldOnly.login();
    // While the old key is in the ring the session opens (and is re-sealed with the current key)...
    expect(await rotating.me(cookie(token))).toMatchObject({ isNew: false, data: { user: "victim" } });
    // ...once it is removed, the same cookie is refused.
    expectRefused(await withoutDecryption(() => bank().me(cookie(token))), "unknown-key");
  });

  it("a cookie sealed with the same secret for another purpose: one app's session must not open in another", async () => {
    const admin = bank({ purpose: "admin-app" });
    const token = await admin.login("admin");
    expectRefused(await withoutDecryption(() => bank({ purpose: "shop-app" }).me(cookie(token))), "unknown-key");
  });

  it("a cookie of another cookie name (same secret, default purpose): a low-privilege cookie must not be promoted", async () => {
    const other = bank({ cookie: { name: "__Host-preview" } });
    const res = await other.app.request("/login", { method: "POST", body: "preview-user" });
    const raw = res.headers.getSetCookie()[0]!;
    const token = raw.slice("__Host-preview=".length, raw.indexOf(";"));
    expectRefused(await withoutDecryption(() => bank().me(cookie(token))), "unknown-key");
  });
});

describe("structure and encoding", () => {
  it.each([
    ["an empty cookie value", cookie("")],
    ["a whitespace-only cookie value", `${NAME}=  \t `],
    ["a bare name without =", NAME],
  ])("%s: a broken browser or proxy must not turn into an error page", async (_, header) => {
    const b = bank();
    const probe = await b.me(header);
    expect(probe).toMatchObject({ status: 200, isNew: true, data: {}, expired: null });
    if (header.includes("=")) expectRefused(probe, "malformed");
    else expect(probe.invalid).toBeNull(); // no cookie of that name at all
  });

  it("a 100 KB cookie: refused by length before any crypto or parsing (no CPU burnt per request)", async () => {
    const b = bank();
    const huge = (await b.login()).padEnd(100 * 1024, "A");
    expectRefused(await withoutDecryption(() => b.me(cookie(huge))), "too-large");
  });

  it("5000 unrelated cookies in one header: the user's session is still found (no denial by cookie stuffing)", async () => {
    const b = bank();
    const token = await b.login();
    const header = Array.from({ length: 5000 }, (_, i) => `junk${i}=${"v".repeat(10)}`).join("; ") + `; ${cookie(token)}`;
    expect(await b.me(header)).toMatchObject({ status: 200, isNew: false, invalid: null, data: { user: "victim", balance: 1000 } });
  });

  it.each([
    ["100 000 empty segments", ";".repeat(100_000)],
    ["100 000 '='-less names", "a;".repeat(100_000)],
    ["100 000 spaces-only segments", " ;".repeat(100_000)],
  ])("%s before and after the session cookie: found, in work linear in the header (no CPU burnt per request)", async (_, junk) => {
    const b = bank();
    const token = await b.login();
    const header = `${junk}${cookie(token)};${junk}`;
    expect(await b.me(header)).toMatchObject({ status: 200, isNew: false, invalid: null, data: { user: "victim", balance: 1000 } });
    // The parser the middleware uses, on the same header: a quadratic one looked at ~10^10 characters here.
    let found: unknown;
    const work = await stringWork(() => {
      found = findCookie(header, NAME);
    });
    expect(found).toEqual({ found: 1, value: token });
    expect(work).toBeLessThan(4 * header.length);
  });

  it("100 000 '='-less segments around two session cookies: still refused as duplicates", async () => {
    const b = bank();
    const token = await b.login();
    expectRefused(await b.me(`${"a;".repeat(100_000)}${cookie(token)};${";".repeat(100_000)}${cookie(token)}`), "duplicate");
  });

  it("2000 copies of the session cookie in one header: refused as duplicates without a crash", async () => {
    const b = bank();
    const token = await b.login();
    expectRefused(await b.me(Array.from({ length: 2000 }, () => cookie(token)).join("; ")), "duplicate");
  });

  it("cookie tossing (a subdomain plants a second session cookie): the victim is never logged into the attacker's account", async () => {
    const b = bank();
    const victim = await b.login("victim");
    const attacker = await b.login("attacker");
    for (const header of [`${cookie(attacker)}; ${cookie(victim)}`, `${cookie(victim)}; ${cookie(attacker)}`]) {
      expectRefused(await b.me(header), "duplicate");
    }
  });

  it("two Cookie header lines joined with a comma by an intermediary: neither value is half-read", async () => {
    const b = bank();
    const headers = new Headers();
    headers.append("Cookie", cookie(await b.login("victim")));
    headers.append("Cookie", cookie(await b.login("attacker")));
    expectRefused(await b.me(headers), ["malformed", "duplicate"]);
  });

  it("a lower-case __host-session cookie (which browsers without case-insensitive prefixes let any subdomain set): not the session cookie", async () => {
    const b = bank();
    const token = await b.login("attacker");
    expect(await b.me(`__host-session=${token}`)).toMatchObject({ status: 200, isNew: true, invalid: null, data: {}, setCookie: [] });
  });

  it("Unicode-whitespace-padded names such as \\u00A0__Host-session: a subdomain could otherwise forge a __Host- cookie", async () => {
    const b = bank();
    const token = await b.login("attacker");
    // Every character JavaScript's trim() removes, plus NEL, except SP and HTAB (which RFC 6265 allows).
    const pads = [
      "\u000B",
      "\u000C",
      "\u0085",
      "\u00A0",
      "\u1680",
      "\u2000",
      "\u2007",
      "\u200A",
      "\u2028",
      "\u2029",
      "\u202F",
      "\u205F",
      "\u3000",
      "\uFEFF",
    ];
    // Each as the character itself and as its UTF-8 bytes read as Latin-1 (a runtime decoding header bytes so).
    const forms = pads.flatMap((pad) => [pad, latin1OfUtf8(pad)]);
    const headers = forms.flatMap((p) => [`a=1; ${p}${NAME}=${token}`, `${p}${NAME}=${token}`, `${NAME}${p}=${token}`]);
    // The library's parser and Hono's own (used by getCookie) both see another cookie name in every case.
    for (const header of headers) {
      expect(findCookie(header, NAME)).toEqual({ found: 0 });
      expect(parseCookies(header, NAME)).toEqual({});
    }
    // End to end through a Request: the ASCII pads, and \u00A0 in both forms (workerd passes header text through
    // as UTF-8 and warns about every non-ASCII header, so the full list runs on the parsers above).
    for (const p of ["\u000B", "\u000C", "\u00A0", latin1OfUtf8("\u00A0")]) {
      expect(await b.me(`a=1; ${p}${NAME}=${token}`)).toMatchObject({ status: 200, isNew: true, invalid: null, data: {} });
    }
    // Both trim exactly SP and HTAB around a name.
    const spaced = `x=1; \t ${NAME} \t=${token}`;
    expect(parseCookies(spaced, NAME)).toEqual({ [NAME]: token });
    expect(await b.me(spaced)).toMatchObject({ isNew: false, data: { user: "attacker" } });
    const hono = new Hono().get("/", (c) => c.text(getCookie(c, NAME) ?? "none"));
    expect(await (await hono.request("/", { headers: { Cookie: `a=1; \u000B${NAME}=${token}` } })).text()).toBe("none");
    expect(await (await hono.request("/", { headers: { Cookie: spaced } })).text()).toBe(token);
  });

  it.each([
    ["padding '=' appended", (t: string) => `${t}==`],
    ["the standard base64 alphabet (+ and /)", (t: string) => t.replace(/-/g, "+").replace(/_/g, "/") + "+/"],
    ["percent-encoding", (t: string) => t.replace(/\./g, "%2E")],
    ["quotes around the value", (t: string) => `"${t}"`],
    ["an embedded space", (t: string) => `${t.slice(0, 50)} ${t.slice(50)}`],
    ["a JWE JSON serialization", (t: string) => JSON.stringify({ protected: t.split(".")[0], ciphertext: t.split(".")[3] })],
    ["Latin-1 bytes", (t: string) => `${t}\u00e9`],
  ])("%s: a lenient decoder could otherwise accept many spellings of one cookie", async (_, mutate) => {
    const b = bank();
    const token = await b.login();
    expectRefused(await b.me(cookie(mutate(token))), "malformed");
  });

  it("non-canonical base64url (changed unused low bits of the tag's last character): one cookie must have one spelling", async () => {
    const b = bank();
    const token = await b.login();
    const parts = token.split(".");
    const tag = parts[4]!;
    expect(tag).toHaveLength(22); // 16 bytes: the last character carries 4 unused bits
    parts[4] = tag.slice(0, -1) + B64URL[B64URL.indexOf(tag.at(-1)!) ^ 1];
    expectRefused(await b.me(cookie(parts.join("."))), "malformed");
  });

  it("a JWS (3 segments) instead of a JWE: a signed-but-readable token must not pass for a sealed session", async () => {
    const b = bank();
    const jws = `${b64('{"alg":"HS256","kid":"' + kid + '"}')}.${b64(envelopeText({ user: "admin" }, { created: b.clock.now() }))}.${"A".repeat(43)}`;
    expectRefused(await withoutDecryption(() => b.me(cookie(jws))), "malformed");
  });

  it("an AES-GCM tag cut to 4 bytes (by someone holding the key): short tags would make forgery a 2^32 guess", async () => {
    const b = bank();
    const token = await forgeJwe({
      header: { alg: "dir", enc: "A256GCM", kid },
      plaintext: envelopeText({ user: "admin" }, { created: b.clock.now() }),
      key,
      tagBytes: 4,
    });
    expectRefused(await b.me(cookie(token)), ["tampered", "malformed"]);
  });

  it("an IV of 16 or 0 bytes (by someone holding the key): nonce handling must not accept what Web Crypto would", async () => {
    const b = bank();
    for (const iv of [new Uint8Array(16), new Uint8Array(0)]) {
      const token = iv.length
        ? await forgeJwe({
            header: { alg: "dir", enc: "A256GCM", kid },
            plaintext: envelopeText({ user: "admin" }, { created: b.clock.now() }),
            key,
            iv,
          })
        : (await b.login())
            .split(".")
            .map((s, i) => (i === 2 ? "" : s))
            .join(".");
      expectRefused(await b.me(cookie(token)), ["malformed", "tampered"]);
    }
  });

  it("ciphertext of one user spliced with the IV and tag of another: no cut-and-paste of sessions", async () => {
    const b = bank();
    const [alice, mallory] = [(await b.login("alice")).split("."), (await b.login("mallory")).split(".")];
    const spliced = [mallory[0], mallory[1], mallory[2], alice[3], mallory[4]].join(".");
    expectRefused(await b.me(cookie(spliced)), "tampered");
  });

  it("a remembered session's sealed limits edited by the client: refused as tampered, never extended", async () => {
    const b = bank({ maxLifetime: 30 * 86400 });
    const at = { created: b.clock.now() };
    const remembered = await forgeJwe({
      header: { alg: "dir", enc: "A256GCM", kid },
      plaintext: envelopeText({ user: "victim" }, at, { l: 86400, s: { l: 86400 } }),
      key,
    });
    expect((await b.me(cookie(remembered))).data).toEqual({ user: "victim" }); // sealed by the server: accepted
    // The limits are the plaintext's last bytes: flip the ciphertext's last character (no key needed).
    const parts = remembered.split(".");
    const last = parts[3]!;
    parts[3] = last.slice(0, -2) + (last.at(-2) === "A" ? "B" : "A") + last.at(-1);
    expectRefused(await b.me(cookie(parts.join("."))), "tampered");
    // Without the key, a cookie with a ten-year lifetime is refused the same way.
    const forged = await forgeJwe({
      header: { alg: "dir", enc: "A256GCM", kid },
      plaintext: envelopeText({ user: "victim" }, at, { l: 315360000, s: { l: 315360000, i: 315360000 } }),
      key: crypto.getRandomValues(new Uint8Array(32)),
    });
    expectRefused(await b.me(cookie(forged)), "tampered");
  });

  it("sealed limits looser than the server now allows (a key holder, or a deploy that lowered max*): held to the server's bounds", async () => {
    const b = bank({ maxIdleTimeout: 2 * IDLE });
    const token = await forgeJwe({
      header: { alg: "dir", enc: "A256GCM", kid },
      plaintext: envelopeText({ user: "victim" }, { created: b.clock.now() }, { s: { i: 315360000, a: 315360000 } }),
      key,
    });
    b.clock.advance(IDLE + 1); // past the default, within the maximum: the session's own limit counts
    expect((await b.me(cookie(token))).data).toEqual({ user: "victim" });
    b.clock.advance(IDLE); // 2 * IDLE + 1 since the sealed lastUsed: past the maximum, whatever was sealed
    const probe = await b.me(cookie(token));
    expect(probe).toMatchObject({ isNew: true, data: {}, expired: "idle", invalid: null });
  });

  it("an encrypted-key segment added to a dir JWE: extra segments must not be ignored", async () => {
    const b = bank();
    const parts = (await b.login()).split(".");
    parts[1] = "AAAAAAAAAAAAAAAAAAAAAA";
    expectRefused(await b.me(cookie(parts.join("."))), ["malformed", "algorithm"]);
  });
});

describe("sealed values outside a cookie (unsealSession, store-sized limits)", () => {
  const MiB = 1024 * 1024;

  it.each([
    ["25 MiB of '.'", () => ".".repeat(25 * MiB)],
    ["25 MiB of 'A.'", () => "A.".repeat(12.5 * MiB)],
    [
      "four dots and 25 MiB of dots after a real header",
      () => `${b64(`{"alg":"dir","enc":"A256GCM","kid":"${kid}"}`)}....${".".repeat(25 * MiB)}`,
    ],
  ])("%s where a store allows 25 MiB values: refused as malformed after a handful of characters, never split", async (_, make) => {
    const keys = await createKeyring(SECRET, { purpose: NAME });
    const value = make();
    let result: unknown;
    const work = await stringWork(() =>
      withoutDecryption(async () => {
        result = await unsealSession(value, keys, { maxLength: 25 * MiB + 1024 });
      }),
    );
    expect(result).toEqual({ ok: false, reason: "malformed" });
    expect(work).toBeLessThan(10_000);
  });

  it.each([
    ["undefined (a missing cookie passed on)", undefined],
    ["null", null],
    ["a number", 0],
    ["an object", { value: "x" }],
    ["an array of the segments", ["a", "", "b", "c", "d"]],
  ])("%s as the token: a typed refusal, never a TypeError that takes the request down", async (_, bad) => {
    const keys = await createKeyring(SECRET, { purpose: NAME });
    expect(await unsealSession(bad as never, keys)).toEqual({ ok: false, reason: "malformed" });
  });
});

describe("chunked sessions (cookie.chunks: 3): reassembly refuses before any crypto, authentication refuses the rest", () => {
  const CHUNKS = 3;
  const header = (jar: Map<string, string>) => [...jar].map(([name, value]) => `${name}=${value}`).join("; ");
  const chunked = () => bank({ cookie: { chunks: CHUNKS } });

  /** Refused: a fresh empty session, the reason told, the first cookie and every chunk name expired. */
  function expectRefusedChunks(probe: Probe, reason: string | readonly string[]) {
    expect(probe).toMatchObject({ status: 200, isNew: true, expired: null, data: {} });
    expect(typeof reason === "string" ? [reason] : reason).toContain(probe.invalid);
    expect(probe.setCookie).toEqual(
      [NAME, `${NAME}.1`, `${NAME}.2`].map((name) => expect.stringMatching(new RegExp(`^${name.replace(".", "\\.")}=; Max-Age=0;`))),
    );
  }

  it("control: a victim's 3-chunk session opens", async () => {
    const b = chunked();
    const victim = await b.grown("victim", 8000);
    expect([...victim.keys()].sort()).toEqual([NAME, `${NAME}.1`, `${NAME}.2`]);
    expect(await b.me(header(victim))).toMatchObject({ isNew: false, invalid: null, data: { user: "victim", history: "h".repeat(8000) } });
  });

  it("reordering the chunks (values swapped between names): the joined value no longer authenticates", async () => {
    const b = chunked();
    const victim = await b.grown("victim", 8000);
    const swapped = new Map(victim).set(`${NAME}.1`, victim.get(`${NAME}.2`)!).set(`${NAME}.2`, victim.get(`${NAME}.1`)!);
    expectRefusedChunks(await b.me(header(swapped)), ["tampered", "malformed"]);
    // The first cookie's piece moved into a chunk: the count is gone from the first cookie.
    const rotated = new Map(victim).set(NAME, victim.get(`${NAME}.1`)!).set(`${NAME}.1`, victim.get(NAME)!);
    expectRefusedChunks(await withoutDecryption(() => b.me(header(rotated))), "chunks");
  });

  it("splicing chunks of two sessions (the attacker's first cookie, the victim's chunks): refused as chunks of two writes, never either account", async () => {
    const b = chunked();
    const victim = await b.grown("victim", 8000);
    const attacker = await b.grown("attacker", 8000);
    for (const [first, rest] of [
      [attacker, victim],
      [victim, attacker],
    ] as const) {
      const spliced = new Map(rest).set(NAME, first.get(NAME)!);
      expectRefusedChunks(await withoutDecryption(() => b.me(header(spliced))), "chunks");
      // With the chunks' ids rewritten to the first cookie's: the splice gets as far as decryption, which refuses it.
      const id = first.get(`${NAME}.1`)!.slice(0, 8);
      const aligned = new Map(first).set(`${NAME}.2`, id + rest.get(`${NAME}.2`)!.slice(8));
      expectRefusedChunks(await b.me(header(aligned)), ["tampered", "malformed"]);
    }
  });

  it("a forged extra chunk after a 2-chunk session: refused (a write of 2 chunks expired the third name)", async () => {
    const b = chunked();
    const victim = await b.grown("victim", 5000);
    expect(victim.size).toBe(2);
    const forged = new Map(victim).set(`${NAME}.2`, `${victim.get(`${NAME}.1`)!.slice(0, 8)}~AAAA`);
    expectRefusedChunks(await withoutDecryption(() => b.me(header(forged))), "chunks");
    // A chunk name beyond the configured maximum is no chunk of this app: ignored, the session opens as it was.
    const beyond = new Map(victim).set(`${NAME}.3`, "AAAAAAAA~AAAA");
    expect(await b.me(header(beyond))).toMatchObject({ isNew: false, data: { user: "victim" } });
  });

  it("a first cookie that claims 200 chunks, sent with 200 chunk cookies: refused on the count, in work linear in the header", async () => {
    const b = chunked();
    const victim = await b.grown("victim", 8000);
    const id = victim.get(`${NAME}.1`)!.slice(0, 8);
    const huge = `${NAME}=200~${id}~${victim.get(NAME)!.slice(11)}; ${Array.from({ length: 199 }, (_, k) => `${NAME}.${k + 1}=${id}~AAAA`).join("; ")}`;
    expectRefusedChunks(await withoutDecryption(() => b.me(huge)), "chunks");
    const work = await stringWork(() => findCookies(huge, NAME, CHUNKS));
    expect(work).toBeLessThan(4 * huge.length);
    // Counts above the configured maximum but below 10, and a count of zero, are refused the same way.
    for (const count of [4, 9, 0]) {
      const wrong = new Map(victim).set(NAME, victim.get(NAME)!.replace(/^3/, String(count)));
      expectRefusedChunks(await withoutDecryption(() => b.me(header(wrong))), "chunks");
    }
  });

  it("a copy of the first cookie alone (chunks missing) and chunks alone: refused, nothing decrypted", async () => {
    const b = chunked();
    const victim = await b.grown("victim", 8000);
    expectRefusedChunks(await withoutDecryption(() => b.me(cookie(victim.get(NAME)!))), "chunks");
    const chunksOnly = new Map(victim);
    chunksOnly.delete(NAME);
    expectRefusedChunks(await withoutDecryption(() => b.me(header(chunksOnly))), "chunks");
  });

  it("a chunk tossed in twice (two cookies of one chunk name): refused as a duplicate", async () => {
    const b = chunked();
    const victim = await b.grown("victim", 8000);
    const attacker = await b.grown("attacker", 8000);
    expectRefusedChunks(await withoutDecryption(() => b.me(`${header(victim)}; ${NAME}.1=${attacker.get(`${NAME}.1`)}`)), "duplicate");
  });

  it("100 KB chunks: the joined value is refused by length before any crypto", async () => {
    const b = chunked();
    const victim = await b.grown("victim", 8000);
    const padded = new Map(victim).set(`${NAME}.2`, victim.get(`${NAME}.2`)!.padEnd(100 * 1024, "A"));
    expectRefusedChunks(await withoutDecryption(() => b.me(header(padded))), "too-large");
  });
});

describe("authentic ciphertext, hostile plaintext (someone who holds the key, or a value sealed for another use)", () => {
  async function sealed(plaintext: string | Uint8Array) {
    return cookie(await forgeJwe({ header: { alg: "dir", enc: "A256GCM", kid }, plaintext, key }));
  }

  it.each([
    ["not JSON", "hello"],
    ["a JSON array", "[1,2,3]"],
    ["a JWT claims set sealed with the same key", '{"sub":"admin","exp":9999999999}'],
    ["an id that is too short", null],
    ["data that is an array", "array"],
    ["negative timestamps", "negative"],
    ["fractional timestamps", "fraction"],
    ["timestamps as strings", "strings"],
    ["a flash that is a string", "flash"],
  ])("a decrypted value that is %s: values sealed for another use must not become sessions", async (_, kind) => {
    const b = bank();
    const at = { created: b.clock.now() };
    const text =
      kind === null
        ? envelopeText({ user: "admin" }, at, { i: "short" })
        : kind === "array"
          ? envelopeText([["user", "admin"]], at)
          : kind === "negative"
            ? envelopeText({ user: "admin" }, at, { c: -1, u: -1 })
            : kind === "fraction"
              ? envelopeText({ user: "admin" }, at, { c: at.created / 1000 + 0.5 })
              : kind === "strings"
                ? envelopeText({ user: "admin" }, at, { c: String(at.created / 1000), u: String(at.created / 1000) })
                : kind === "flash"
                  ? envelopeText({ user: "admin" }, at, { f: "notice" })
                  : kind;
    expectRefused(await b.me(await sealed(text)), "not-a-session");
  });

  it("invalid UTF-8 in the plaintext: a lossy decoder could otherwise turn bytes into other data", async () => {
    const b = bank();
    const text = new TextEncoder().encode(envelopeText({ user: "admin" }, { created: b.clock.now() }));
    const bad = new Uint8Array([...text.subarray(0, 20), 0xc3, 0x28, ...text.subarray(20)]);
    expectRefused(await b.me(await sealed(bad)), "not-a-session");
  });

  it("__proto__ and constructor keys in data and flash: no prototype pollution, the keys stay plain data", async () => {
    const b = bank();
    const wire = `{"i":"AAAAAAAAAAAAAAAAAAAAAA","c":${b.clock.now() / 1000},"u":${b.clock.now() / 1000},"l":0,"d":{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"isAdmin":true}},"user":"victim"},"f":{"__proto__":{"isAdmin":true}}}`;
    const app = new Hono<{ Variables: SessionVariables }>();
    app.use(session({ secret: SECRET, now: b.clock.now }));
    app.get("/", async (c) => {
      const s = c.var.session;
      const all = await s.all();
      return c.json({
        isAdmin: (all as { isAdmin?: unknown }).isAdmin ?? null,
        protoOfAll: Object.getPrototypeOf(all) === Object.prototype,
        proto: (await s.get("__proto__")) ?? null,
        flash: (await s.takeFlash("__proto__")) ?? null,
        keys: Object.keys(all),
        polluted: ({} as { isAdmin?: unknown }).isAdmin ?? null,
      });
    });
    const res = await app.request("/", { headers: { Cookie: await sealed(wire) } });
    expect(await res.json()).toEqual({
      isAdmin: null,
      protoOfAll: true,
      proto: { isAdmin: true },
      flash: { isAdmin: true },
      keys: ["__proto__", "constructor", "user"],
      polluted: null,
    });
    expect(({} as { isAdmin?: unknown }).isAdmin).toBeUndefined();
    expect((Object.prototype as { isAdmin?: unknown }).isAdmin).toBeUndefined();
  });

  it("a JSON nesting bomb as deep as a cookie allows (1300 levels): parsed without a stack overflow", async () => {
    const b = bank();
    const depth = 1300;
    const data = `{"deep":${"[".repeat(depth)}${"]".repeat(depth)}}`;
    const wire = envelopeText({}, { created: b.clock.now() }).replace('"d":{}', `"d":${data}`);
    const header = await sealed(wire);
    expect(header.length).toBeLessThanOrEqual(4096);
    const probe = await b.me(header);
    expect(probe).toMatchObject({ status: 200, isNew: false, invalid: null });
    expect(depthOf(probe.data.deep)).toBe(depth);
  });

  it("a JSON nesting bomb beyond a cookie's size (100 000 levels): refused by length before decryption or parsing", async () => {
    const b = bank();
    const bomb = `{"d":${"[".repeat(100_000)}${"]".repeat(100_000)}}`;
    const token = await forgeJwe({ header: { alg: "dir", enc: "A256GCM", kid }, plaintext: bomb, key });
    const parse = vi.spyOn(JSON, "parse");
    expectRefused(await withoutDecryption(() => b.me(cookie(token))), "too-large");
    expect(parse.mock.calls.filter(([text]) => String(text).includes("[[[["))).toEqual([]);
  });
});

describe("time", () => {
  async function minted(created: number, lastUsed = created) {
    return cookie(
      await forgeJwe({
        header: { alg: "dir", enc: "A256GCM", kid },
        plaintext: envelopeText({ user: "victim" }, { created, lastUsed }),
        key,
      }),
    );
  }

  it("a created-in-the-future timestamp (one day ahead): a session must not outlive its absolute timeout by being born late", async () => {
    const b = bank();
    expectRefused(await b.me(await minted(b.clock.now() + 86_400_000)), "future");
  });

  it("lastUsed before created: inconsistent metadata must not pass the idle check", async () => {
    const b = bank();
    expectRefused(await b.me(await minted(b.clock.now(), b.clock.now() - 60_000)), "future");
  });

  it("clock skew, issuer ahead by 59 s: another location's slightly fast clock must not log the user out", async () => {
    const b = bank();
    const ahead = b.clock.now() + 59_000;
    expect(await b.me(await minted(ahead))).toMatchObject({ isNew: false, invalid: null, data: { user: "victim" } });
  });

  it("clock skew, issuer ahead by 10 minutes: a fast clock could otherwise extend sessions past their idle limit", async () => {
    const b = bank();
    expectRefused(await b.me(await minted(b.clock.now() + 600_000)), "future");
  });

  it("clock skew, issuer behind (or this server ahead): the session expires early by the skew, never late", async () => {
    const b = bank();
    const slowIssuer = b.clock.now() - 45_000; // the issuing location's clock ran 45 s slow
    const token = await minted(slowIssuer);
    b.clock.advance(IDLE - 45); // exactly IDLE seconds after the (slow) sealed lastUsed
    expect(await b.me(token)).toMatchObject({ isNew: false, data: { user: "victim" } });
    b.clock.advance(1);
    const probe = await b.me(token);
    expect(probe).toMatchObject({ status: 200, isNew: true, expired: "idle", invalid: null, data: {} });
  });

  it("replay after idle expiry: a cookie copied from an abandoned browser must not reopen the account", async () => {
    const b = bank();
    const token = await b.login();
    b.clock.advance(IDLE + 1);
    expect(await b.me(cookie(token))).toMatchObject({
      status: 200,
      isNew: true,
      expired: "idle",
      data: {},
      // The cookie is replaced with the ended-session marker (no data, no id: see ended.test.ts).
      setCookie: [expect.stringMatching(/Max-Age=600/)],
    });
  });

  it("replay past the absolute timeout of a session kept busy: a stolen cookie must not live forever by being used", async () => {
    const b = bank();
    let token = await b.login();
    for (let elapsed = 0; elapsed < ABSOLUTE; elapsed += IDLE - 60) {
      b.clock.advance(IDLE - 60);
      const res = await b.app.request("/me", { headers: { Cookie: cookie(token) } });
      const raw = res.headers.getSetCookie()[0];
      if (raw && !raw.includes("Max-Age=0")) token = raw.slice(NAME.length + 1, raw.indexOf(";"));
    }
    const probe = await b.me(cookie(token));
    expect(probe).toMatchObject({ status: 200, isNew: true, expired: "absolute", data: {} });
  });

  it("replay after destroy() in cookie mode: a copy taken before logout still opens until the idle timeout (stateless limitation)", async () => {
    const b = bank();
    const stolen = await b.login();
    const cleared = await b.logout(stolen);
    // Logout tells the browser to drop the cookie...
    expect(cleared).toEqual([expect.stringMatching(new RegExp(`^${NAME}=; Max-Age=0;`))]);
    // ...but nothing on the server remembers it: the copied cookie is still authentic and in date. This is the
    // documented limit of stateless mode (README, "Security model"); a store-backed mode revokes it.
    b.clock.advance(IDLE - 1);
    expect(await b.me(cookie(stolen))).toMatchObject({ isNew: false, data: { user: "victim", balance: 1000 } });
    // Bounded: once idle for longer than idleTimeout (if the thief stops), or at the absolute timeout, it is refused.
    b.clock.advance(2);
    expect(await b.me(cookie(stolen))).toMatchObject({ isNew: true, expired: "idle", data: {} });
  });
});

describe("options and errors", () => {
  it.each([
    ["cookie.name with CRLF", { cookie: { name: "sid\r\nSet-Cookie: admin=1" } }],
    ["cookie.name with ';'", { cookie: { name: "sid; Domain=attacker.example" } }],
    ["cookie.path with ';'", { cookie: { name: "sid", path: "/; Domain=attacker.example" } }],
    ["cookie.path with CRLF", { cookie: { name: "sid", path: "/\r\nSet-Cookie: admin=1" } }],
    ["cookie.domain with ';'", { cookie: { name: "sid", domain: "example.com; SameSite=None" } }],
    ["cookie.sameSite with ';'", { cookie: { sameSite: "Lax; Domain=attacker.example" as never } }],
    ["lifetime as a string", { lifetime: "3600; Domain=attacker.example" as never }],
  ])("Set-Cookie injection through %s: a misconfiguration could otherwise widen the cookie's scope", (_, options) => {
    expect(() => session({ secret: SECRET, ...options })).toThrow(SessionConfigError);
  });

  it.each([
    ["__HOST-session with a Domain", { name: "__HOST-session", domain: "example.com" }],
    ["__host-session on a sub-path", { name: "__host-session", path: "/app" }],
    ["__Host-session without Secure", { name: "__Host-session", secure: false }],
    ["__SECURE-session without Secure", { name: "__SECURE-session", secure: false }],
    ["__secure-session without Secure", { name: "__secure-session", secure: false }],
    ["__HTTP-session without HttpOnly", { name: "__HTTP-session", httpOnly: false }],
    ["__host-http-session without HttpOnly", { name: "__host-http-session", httpOnly: false }],
  ])(
    "a cookie prefix in another case, %s: browsers apply prefix rules in any case and would drop every session cookie",
    (_, cookieOptions) => {
      expect(() => session({ secret: SECRET, cookie: cookieOptions })).toThrow(SessionConfigError);
    },
  );

  it("header injection through session data: a value with CRLF never reaches a header", async () => {
    const app = new Hono<{ Variables: SessionVariables }>();
    app.use(session({ secret: SECRET }));
    app.get("/", (c) => {
      c.var.session.set("note", "x\r\nSet-Cookie: admin=1; Domain=attacker.example");
      return c.text("ok");
    });
    const res = await app.request("/");
    expect(res.headers.getSetCookie()).toEqual([
      expect.stringMatching(new RegExp(`^${NAME}=[A-Za-z0-9_.-]+; Path=/; HttpOnly; Secure; SameSite=Lax$`)),
    ]);
  });

  it("secrets absent from every error message, stack, JSON and default response", async () => {
    const weak = "weak-secret-with-only-31-chars!";
    const errors: unknown[] = [];
    const attempt = async (f: () => unknown) => {
      try {
        await f();
      } catch (error) {
        errors.push(error);
      }
    };
    await attempt(() => session({ secret: weak }));
    await attempt(() => session({ secret: [SECRET, weak] }));
    await attempt(() => session({ secret: "a".repeat(40) }));
    await attempt(() => createKeyring([SECRET, SECRET]));
    await attempt(() => createKeyring(SECRET, { encryption: SECRET as never }));
    await attempt(() => createKeyring(SECRET, { purpose: SECRET.repeat(10) }));
    await attempt(() => session({ secret: SECRET, idleTimeout: SECRET as never }));
    const keys = await createKeyring(SECRET);
    // A session too large for a cookie: the error names sizes, never the data (here: the secret itself).
    const big = new Hono<{ Variables: SessionVariables }>();
    big.use(session({ secret: SECRET }));
    big.onError((error, c) => {
      errors.push(error);
      return c.text("failed", 500);
    });
    big.get("/", (c) => {
      c.var.session.set("big", SECRET.repeat(200));
      return c.text("ok");
    });
    expect((await big.request("/")).status).toBe(500);
    // A per-request secret that turns out weak fails the request through Hono's default error handler.
    const app = new Hono<{ Variables: SessionVariables }>();
    app.use(session({ secret: () => weak }));
    app.get("/", async (c) => c.json(await c.var.session.all()));
    const res = await app.request("/");
    expect(res.status).toBe(500);
    const body = await res.text();

    expect(errors.length).toBe(8);
    for (const error of errors) expect(error).toBeInstanceOf(SessionError);
    expect(errors.at(-1)).toBeInstanceOf(SessionTooLargeError);
    const everything = [
      body,
      JSON.stringify(keys),
      String(keys),
      ...errors.flatMap((e) => [String(e), (e as Error).stack ?? "", JSON.stringify(e), JSON.stringify(Object.entries(e as object))]),
    ].join("\n");
    expectNoSecret(everything);
    expect(everything).not.toContain(weak);
    expect(everything).not.toContain("a".repeat(40));
  });
});

const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

async function deflateRaw(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("deflate-raw"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function latin1OfUtf8(text: string): string {
  return String.fromCharCode(...new TextEncoder().encode(text));
}

function depthOf(value: unknown): number {
  let depth = 0;
  while (Array.isArray(value)) {
    depth++;
    value = value[0];
  }
  return depth;
}
