import { Hono } from "hono";
import { getCookie } from "hono/cookie";
import { describe, expect, it } from "vitest";
import { expiredCookie, findCookie, resolveCookie, serializeCookie } from "../src/cookie.js";
import { SessionConfigError } from "../src/index.js";

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
    const cookie = resolveCookie({ name: "sid", path: "/app", domain: "example.com", sameSite: "strict", httpOnly: false, partitioned: true });
    expect(serializeCookie(cookie, "v", 0)).toBe("sid=v; Path=/app; Domain=example.com; Secure; SameSite=Strict; Partitioned");
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
