import fc from "fast-check";
import { Hono } from "hono";
import { getCookie } from "hono/cookie";
import { describe, expect, it } from "vitest";
import { expiredCookie, findCookie, resolveCookie, serializeCookie, type CookieOptions } from "../src/core/cookie.js";
import { SessionConfigError } from "../src/index.js";
import { stringWork } from "./forge.js";

describe("findCookie", () => {
  const name = "__Host-session";

  it("finds the cookie among others, trimming only space and tab", () => {
    expect(findCookie(`a=1; ${name}=abc.def;b=2`, name)).toEqual({ found: 1, value: "abc.def" });
    expect(findCookie(`a=1;\t${name}=v \t;b=2`, name)).toEqual({ found: 1, value: "v" });
    expect(findCookie("a=1; b=2", name)).toEqual({ found: 0 });
    expect(findCookie(null, name)).toEqual({ found: 0 });
  });

  it("does not take a name padded with Unicode whitespace (a subdomain forging __Host-)", () => {
    for (const pad of ["\u00A0", "\u2000", "\u3000", "\uFEFF", "\u000B", "\u000C"]) {
      expect(findCookie(`${pad}${name}=forged`, name)).toEqual({ found: 0 });
      expect(findCookie(`x=1; ${name}${pad}=forged`, name)).toEqual({ found: 0 });
    }
  });

  it("reports duplicates instead of picking one (cookie tossing)", () => {
    expect(findCookie(`${name}=a; ${name}=b`, name)).toEqual({ found: "many" });
  });

  it("does not match a longer or shorter name", () => {
    expect(findCookie(`x${name}=a; ${name}x=b`, name)).toEqual({ found: 0 });
  });

  it("returns a value as sent, quotes and escapes included (unseal refuses it as malformed)", () => {
    expect(findCookie(`${name}="quoted"`, name)).toEqual({ found: 1, value: '"quoted"' });
    expect(findCookie(`${name}=a%20b`, name)).toEqual({ found: 1, value: "a%20b" });
  });

  it("scans thousands of cookies in one header", () => {
    const header = Array.from({ length: 5000 }, (_, i) => `c${i}=v${i}`).join("; ") + `; ${name}=tail`;
    expect(findCookie(header, name)).toEqual({ found: 1, value: "tail" });
  });

  // 100 000 segments: ~100-200 KB, about what a Cookie header can reach through a proxy that allows it.
  const N = 100_000;
  const pathological: [string, string, ReturnType<typeof findCookie>][] = [
    ["100 000 empty segments before the cookie", `${";".repeat(N)}${name}=v`, { found: 1, value: "v" }],
    ["100 000 '='-less names before the cookie", `${"a;".repeat(N)}${name}=v`, { found: 1, value: "v" }],
    ["100 000 '='-less names after the cookie", `${name}=v;${"a;".repeat(N)}`, { found: 1, value: "v" }],
    ["100 000 spaces-only segments around it", `${" ;".repeat(N)} ${name} = v ;${" \t;".repeat(N)}`, { found: 1, value: "v" }],
    ["a duplicate behind 100 000 empty segments", `${name}=v;${";".repeat(N)}${name}=w`, { found: "many" }],
    ["a NBSP-padded name behind 100 000 segments", `${"a;".repeat(N)}\u00A0${name}=forged`, { found: 0 }],
    ["100 000 'a=' cookies, the name nowhere as a name", `${"a=;".repeat(N)}x${name}=v`, { found: 0 }],
    // The name itself, stuffed where it is not a cookie's whole name.
    ["100 000 copies of the name without '='", `${`${name};`.repeat(N)}${name}=v`, { found: 1, value: "v" }],
    ["100 000 prefixed copies of the name", `${`x${name}=;`.repeat(N)}${name}=v`, { found: 1, value: "v" }],
    ["100 000 copies of the name inside one value", `a=${`${name} `.repeat(N)};${name}=v`, { found: 1, value: "v" }],
    ["100 000 spaces between the name and '='", `${name}${" ".repeat(N)}=v`, { found: 1, value: "v" }],
    ["100 000 spaces, then the name and no '='", `${" ".repeat(N)}${name}${" ".repeat(N)}x`, { found: 0 }],
  ];

  it.each(pathological)("parses %s correctly, in work linear in the header (no rescans)", async (_, header, expected) => {
    let found: ReturnType<typeof findCookie> | undefined;
    const work = await stringWork(() => {
      found = findCookie(header, name);
    });
    expect(found).toEqual(expected);
    // Each character looked at a few times at most; the quadratic parser looked at billions for these.
    expect(work).toBeLessThan(4 * header.length);
  });

  it("agrees with the segment-by-segment reading on random headers (split on ';', name before the first '=')", () => {
    const piece = fc.oneof(
      fc.constantFrom(name, "=", ";", " ", "\t", "\u00A0", "x", "__Host-", "session", `${name}=`, `; ${name}`),
      fc.string({ unit: "binary-ascii", maxLength: 4 }),
    );
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 24 }).map((p) => p.join("")),
        (header) => {
          expect(findCookie(header, name)).toEqual(bySegments(header, name));
        },
      ),
      { seed: 20261124, numRuns: 3000 },
    );
  });

  it("a normal header costs about its length too (the counter sees the work)", async () => {
    const header = `a=1; b=2; ${name}=abc.def; c=3`;
    const work = await stringWork(() => findCookie(header, name));
    expect(work).toBeGreaterThanOrEqual(header.length);
    expect(work).toBeLessThan(4 * header.length);
  });

  it("Hono's own cookie parser also trims only space and tab (guard for our demo and users)", async () => {
    const app = new Hono().get("/", (c) => c.json({ value: getCookie(c, name) ?? null }));
    const forged = await app.request("/", { headers: { Cookie: `\u00A0${name}=forged` } });
    expect(await forged.json()).toEqual({ value: null });
    const spaced = await app.request("/", { headers: { Cookie: `x=1;\t ${name}=ok` } });
    expect(await spaced.json()).toEqual({ value: "ok" });
  });
});

describe("resolveCookie", () => {
  it("defaults to __Host-session, Path=/, HttpOnly, Secure, SameSite=Lax", () => {
    const cookie = resolveCookie();
    expect(serializeCookie(cookie, "v", 0)).toBe("__Host-session=v; Path=/; HttpOnly; Secure; SameSite=Lax");
    expect(serializeCookie(cookie, "v", 60)).toBe("__Host-session=v; Max-Age=60; Path=/; HttpOnly; Secure; SameSite=Lax");
    expect(expiredCookie(cookie)).toMatch(/^__Host-session=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=\//);
  });

  it("serializes every overridable attribute", () => {
    const cookie = resolveCookie({
      name: "sid",
      path: "/app",
      domain: "example.com",
      sameSite: "strict",
      httpOnly: false,
      partitioned: true,
    });
    expect(serializeCookie(cookie, "v", 0)).toBe("sid=v; Path=/app; Domain=example.com; Secure; SameSite=Strict; Partitioned");
  });

  // Browsers apply prefix rules to the name lower-cased (RFC 6265bis) and drop a cookie that breaks them.
  const HOST = ["__Host-s", "__HOST-s", "__host-s", "__hOsT-s"];
  const SECURE = ["__Secure-s", "__SECURE-s", "__secure-s", "__sEcUrE-s"];
  const HTTP = ["__Http-s", "__HTTP-s", "__http-s", "__Host-Http-s", "__HOST-HTTP-s", "__host-http-s"];
  it.each([
    ...HOST.flatMap((name) => [
      [`${name} with a Domain`, { name, domain: "example.com" }],
      [`${name} without Secure`, { name, secure: false }],
      [`${name} with a sub-path`, { name, path: "/app" }],
    ]),
    ...SECURE.map((name) => [`${name} without Secure`, { name, secure: false }]),
    ...HTTP.flatMap((name) => [
      [`${name} without HttpOnly`, { name, httpOnly: false }],
      [`${name} without Secure`, { name, secure: false }],
    ]),
  ] as [string, CookieOptions][])("rejects a prefixed name in any case: %s", (_, options) => {
    expect(() => resolveCookie(options)).toThrow(SessionConfigError);
  });

  it.each([
    ...HOST.map((name) => ({ name })),
    ...SECURE.map((name) => ({ name, domain: "example.com", path: "/app" })),
    ...HTTP.map((name) => ({ name })),
    { name: "__Hostname", domain: "example.com", secure: false },
    { name: "_Host-s", domain: "example.com", secure: false },
    { name: "x__Secure-s", secure: false },
  ])("accepts %j, which browsers keep", (options) => {
    expect(resolveCookie(options).name).toBe(options.name);
  });

  it.each([
    ["__Host- with a Domain", { domain: "example.com" }],
    ["__Host- without Secure", { secure: false }],
    ["__Host- with a sub-path", { path: "/app" }],
    ["__Secure- without Secure", { name: "__Secure-s", secure: false }],
    ["SameSite=None without Secure", { name: "s", sameSite: "None" as const, secure: false }],
    ["a name with a separator", { name: "a;b" }],
    ["an empty name", { name: "" }],
    ["Set-Cookie injection through the path", { name: "s", path: "/; Domain=evil.example" }],
    ["Set-Cookie injection through the domain", { name: "s", domain: "example.com; HttpOnly=false" }],
    ["a CRLF in the path", { name: "s", path: "/\r\nSet-Cookie: x=1" }],
    ["an unknown SameSite", { sameSite: "sometimes" as never }],
  ])("rejects %s at start-up", (_, options) => {
    expect(() => resolveCookie(options)).toThrow(SessionConfigError);
  });
});

/** RFC 6265's reading, written plainly (quadratic, for small headers): the reference findCookie must match. */
function bySegments(header: string, name: string): ReturnType<typeof findCookie> {
  const trim = (s: string) => s.replace(/^[ \t]+|[ \t]+$/g, "");
  const values = header
    .split(";")
    .filter((segment) => segment.includes("=") && trim(segment.slice(0, segment.indexOf("="))) === name)
    .map((segment) => trim(segment.slice(segment.indexOf("=") + 1)));
  if (values.length > 1) return { found: "many" };
  return values.length ? { found: 1, value: values[0]! } : { found: 0 };
}
