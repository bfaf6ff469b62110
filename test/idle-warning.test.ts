import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { idleWarningOptionsFromDataset, resolveIdleWarningOptions } from "../src/idle-warning/browser/options.js";
import { delayUntil, minutesSeconds, readMessage, readStatus, replaces, stepOf, viewOf } from "../src/idle-warning/state.js";
import { SessionConfigError } from "../src/index.js";
import { IDLE_WARNING_SCRIPT, IDLE_WARNING_SCRIPT_INTEGRITY, idleWarningScript } from "../src/idle-warning/index.js";

const SCRIPT_URL = "https://bank.example/session/idle-warning.js";

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return `sha256-${btoa(String.fromCharCode(...new Uint8Array(digest)))}`;
}

describe("idleWarningScript(): the served script", () => {
  it("answers the script as JavaScript with a long cache, its hash as ETag, and nosniff", async () => {
    const res = idleWarningScript()(new Request(SCRIPT_URL));
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("text/javascript; charset=utf-8");
    expect(res.headers.get("Cache-Control")).toBe("public, max-age=86400");
    expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(res.headers.get("ETag")).toBe(`"${IDLE_WARNING_SCRIPT_INTEGRITY.slice(7)}"`);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await res.text()).toBe(IDLE_WARNING_SCRIPT);
  });

  it("publishes the SHA-256 of exactly the bytes it serves (Subresource Integrity, ETag)", async () => {
    expect(IDLE_WARNING_SCRIPT_INTEGRITY).toBe(await sha256(IDLE_WARNING_SCRIPT));
  });

  it("answers 304 to a matching If-None-Match (exact, weak, in a list, *) and 200 to another", async () => {
    const serve = idleWarningScript();
    const etag = serve(new Request(SCRIPT_URL)).headers.get("ETag")!;
    for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, "*"]) {
      const res = serve(new Request(SCRIPT_URL, { headers: { "If-None-Match": ifNoneMatch } }));
      expect(res.status, ifNoneMatch).toBe(304);
      expect(res.body).toBeNull();
      expect(res.headers.get("ETag")).toBe(etag);
      expect(res.headers.get("Cache-Control")).toBe("public, max-age=86400");
    }
    for (const ifNoneMatch of ['"other"', etag.slice(1, -1), `${etag.slice(0, -2)}"`, ""]) {
      const res = serve(new Request(SCRIPT_URL, { headers: { "If-None-Match": ifNoneMatch } }));
      expect(res.status, ifNoneMatch).toBe(200);
      expect(await res.text()).toBe(IDLE_WARNING_SCRIPT);
    }
  });

  it("answers HEAD without a body and refuses other methods with 405", async () => {
    const serve = idleWarningScript();
    const head = serve(new Request(SCRIPT_URL, { method: "HEAD" }));
    expect(head.status).toBe(200);
    expect(head.body).toBeNull();
    expect(head.headers.get("ETag")).toBeTruthy();
    for (const method of ["POST", "PUT", "DELETE"]) {
      const res = serve(new Request(SCRIPT_URL, { method }));
      expect(res.status).toBe(405);
      expect(res.headers.get("Allow")).toBe("GET, HEAD");
      expect(res.body).toBeNull();
    }
  });

  it("is a Hono handler as it is", async () => {
    const app = new Hono().get("/session/idle-warning.js", idleWarningScript({ maxAge: 31_536_000, immutable: true }));
    const res = await app.request("/session/idle-warning.js");
    expect(res.status).toBe(200);
    expect(res.headers.get("Cache-Control")).toBe("public, max-age=31536000, immutable");
    expect(await res.text()).toBe(IDLE_WARNING_SCRIPT);
    expect((await app.request("/session/idle-warning.js", { headers: { "If-None-Match": res.headers.get("ETag")! } })).status).toBe(304);
  });

  it("checks its options when built: a SessionConfigError naming the option", () => {
    expect(idleWarningScript({ maxAge: 0 })(new Request(SCRIPT_URL)).headers.get("Cache-Control")).toBe("public, max-age=0");
    const bad: [unknown, RegExp][] = [
      [{ maxAge: -1 }, /maxAge/],
      [{ maxAge: 1.5 }, /maxAge/],
      [{ maxAge: Number.NaN }, /maxAge/],
      [{ maxAge: "3600" }, /maxAge/],
      [{ maxAge: 31_536_001 }, /maxAge/],
      [{ immutable: "yes" }, /immutable/],
      [{ maxage: 60 }, /unknown option "maxage"/],
      [null, /object/],
      ["60", /object/],
      [[60], /object/],
    ];
    for (const [options, message] of bad) {
      expect(() => idleWarningScript(options as never), JSON.stringify(options)).toThrow(SessionConfigError);
      expect(() => idleWarningScript(options as never), JSON.stringify(options)).toThrow(message);
    }
  });

  it("refuses to be called with something that is not a request: a SessionConfigError, not a TypeError", () => {
    const serve = idleWarningScript();
    for (const input of [undefined, null, "/session/idle-warning.js", {}, { req: {} }, { req: { raw: "GET /" } }]) {
      expect(() => serve(input as never), String(input)).toThrow(SessionConfigError);
    }
  });

  it("needs no unsafe CSP: no eval, no code from strings, no HTML from strings, no inline styles", () => {
    for (const pattern of [
      /\beval\s*\(/,
      /\bnew\s+Function\b/,
      /setTimeout\(\s*["'`]/,
      /setInterval\(\s*["'`]/,
      /innerHTML|outerHTML|insertAdjacentHTML|document\.write/,
      /\.style\b|cssText|["']style["']/,
      /\bimport\s*\(/,
    ]) {
      expect(IDLE_WARNING_SCRIPT).not.toMatch(pattern);
    }
    // One classic script, no module syntax: it reads its options from document.currentScript.
    expect(IDLE_WARNING_SCRIPT).not.toMatch(/^\s*(import|export)\b/m);
    expect(IDLE_WARNING_SCRIPT).toContain("document.currentScript");
    // Minified, yet its errors keep their class name: "SessionConfigError: idle warning: ..." in the console.
    expect(IDLE_WARNING_SCRIPT).toContain('"SessionConfigError"');
  });

  it("carries no server code: no error responses, no status texts, no Response built", () => {
    for (const serverOnly of ["getResponse", "Service Unavailable", "Retry-After", "new Response"]) {
      expect(IDLE_WARNING_SCRIPT).not.toContain(serverOnly);
    }
  });
});

describe("idle warning options", () => {
  it("fills in the defaults", () => {
    expect(resolveIdleWarningOptions()).toEqual({
      statusUrl: "/session/status",
      stayUrl: "/session/stay",
      loginUrl: "/login",
      logoutUrl: "/logout",
      warnBefore: 60,
      pollInterval: 30,
      dialog: undefined,
      channel: "edge-session",
    });
    expect(resolveIdleWarningOptions({ warnBefore: 120, loginUrl: "/sign-in?next=%2F", dialog: "timeout", channel: "bank" })).toMatchObject(
      {
        warnBefore: 120,
        loginUrl: "/sign-in?next=%2F",
        dialog: "timeout",
        channel: "bank",
      },
    );
  });

  it("takes only same-origin paths as URLs: never a script URL, another host, or a relative path", () => {
    for (const url of [
      "javascript:alert(1)",
      "JavaScript:alert(1)",
      "data:text/html,x",
      "https://evil.example/login",
      "//evil.example/login",
      "/\\evil.example/login",
      "\\\\evil.example",
      "/login\\..\\x",
      "login",
      " /login",
      "/log in",
      "/login\n",
      "/login\u0000",
      "",
    ]) {
      for (const key of ["statusUrl", "stayUrl", "loginUrl", "logoutUrl"]) {
        expect(() => resolveIdleWarningOptions({ [key]: url }), `${key}: ${JSON.stringify(url)}`).toThrow(SessionConfigError);
      }
    }
    expect(() => resolveIdleWarningOptions({ loginUrl: "//evil.example" })).toThrow(/loginUrl must be a path on this site/);
  });

  it("takes whole seconds from 1 to a day for warnBefore and pollInterval", () => {
    for (const seconds of [0, -1, 1.5, Number.NaN, Infinity, 86_401, "60", null]) {
      for (const key of ["warnBefore", "pollInterval"]) {
        expect(() => resolveIdleWarningOptions({ [key]: seconds } as never), `${key}: ${seconds}`).toThrow(
          new RegExp(`${key} must be a whole number of seconds from 1 to 86400`),
        );
      }
    }
    expect(resolveIdleWarningOptions({ warnBefore: 1, pollInterval: 86_400 })).toMatchObject({ warnBefore: 1, pollInterval: 86_400 });
  });

  it("refuses unknown options, non-objects, and bad names", () => {
    expect(() => resolveIdleWarningOptions({ warnbefore: 10 } as never)).toThrow(/unknown option "warnbefore"/);
    for (const options of [null, "x", 5, []]) expect(() => resolveIdleWarningOptions(options as never)).toThrow(SessionConfigError);
    for (const name of ["", "a b", "x".repeat(101), 5]) {
      expect(() => resolveIdleWarningOptions({ dialog: name } as never)).toThrow(/dialog must be/);
      expect(() => resolveIdleWarningOptions({ channel: name } as never)).toThrow(/channel must be/);
    }
  });

  it("reads the served script's data- attributes: numbers as plain digits, unknown attributes refused", () => {
    expect(idleWarningOptionsFromDataset({ warnBefore: "120", pollInterval: "15", loginUrl: "/signin", dialog: "warn" })).toMatchObject({
      warnBefore: 120,
      pollInterval: 15,
      loginUrl: "/signin",
      dialog: "warn",
      statusUrl: "/session/status",
    });
    for (const value of ["", "1e3", "0x10", " 60", "60s", "-5", "1.5", "1234567"]) {
      expect(() => idleWarningOptionsFromDataset({ warnBefore: value }), value).toThrow(SessionConfigError);
    }
    expect(() => idleWarningOptionsFromDataset({ warnBefore: "0" })).toThrow(/warnBefore/);
    expect(() => idleWarningOptionsFromDataset({ warnBefor: "60" })).toThrow(/unknown attribute data-warn-befor/);
    expect(() => idleWarningOptionsFromDataset({ loginUrl: "javascript:alert(1)" })).toThrow(/loginUrl/);
  });
});

describe("idle warning state (what each tab believes)", () => {
  const at = 1_000_000;

  it("reads statuses as sessionStatus() answers them, and nothing else", () => {
    expect(readStatus({ active: true, idleSecondsLeft: 30, secondsLeft: 20 })).toEqual({
      active: true,
      idleSecondsLeft: 30,
      secondsLeft: 20,
    });
    expect(readStatus({ active: false, idleSecondsLeft: null, secondsLeft: null, extra: 1 })).toEqual({
      active: false,
      idleSecondsLeft: null,
      secondsLeft: null,
    });
    for (const bad of [
      null,
      "active",
      { loggedIn: true },
      { active: "true", idleSecondsLeft: 1, secondsLeft: 1 },
      { active: true, idleSecondsLeft: -1, secondsLeft: 1 },
      { active: true, idleSecondsLeft: 1.5, secondsLeft: 1 },
      { active: true, idleSecondsLeft: 1, secondsLeft: "1" },
      { active: true, idleSecondsLeft: 1 },
      { active: true, idleSecondsLeft: 1, secondsLeft: Infinity },
    ]) {
      expect(readStatus(bad), JSON.stringify(bad)).toBeUndefined();
    }
  });

  it("puts the deadline at the time the status arrived plus the seconds left; stay can move it only when the idle limit comes first", () => {
    expect(viewOf({ active: true, idleSecondsLeft: 30, secondsLeft: 30 }, at)).toEqual({
      active: true,
      deadline: at + 30_000,
      extendable: true,
    });
    // The absolute limit comes first: "stay signed in" cannot help.
    expect(viewOf({ active: true, idleSecondsLeft: 30, secondsLeft: 10 }, at)).toEqual({
      active: true,
      deadline: at + 10_000,
      extendable: false,
    });
    expect(viewOf({ active: true, idleSecondsLeft: null, secondsLeft: null }, at)).toEqual({
      active: true,
      deadline: undefined,
      extendable: false,
    });
    expect(viewOf({ active: false, idleSecondsLeft: null, secondsLeft: null }, at)).toEqual({
      active: false,
      deadline: undefined,
      extendable: false,
    });
  });

  it("takes a fresh server answer as it is; older news (another tab's, a crossed request) only when it moves the deadline later", () => {
    const view = (secondsLeft: number | null) => viewOf({ active: true, idleSecondsLeft: secondsLeft, secondsLeft }, at);
    expect(replaces(undefined, view(5), false)).toBe(true);
    expect(replaces(view(5), view(60), false)).toBe(true); // a roll in another tab
    // A late message, or a poll that crossed a "Stay signed in", does not bring the old deadline back...
    expect(replaces(view(60), view(5), false)).toBe(false);
    expect(replaces(view(60), view(60), false)).toBe(false);
    // ...but a request sent after the tab learned its view answers the truth, even an earlier deadline.
    expect(replaces(view(60), view(5), true)).toBe(true);
    // No limit counts as the latest deadline.
    expect(replaces(view(60), view(null), false)).toBe(true);
    expect(replaces(view(null), view(60), false)).toBe(false);
    expect(replaces(view(null), view(60), true)).toBe(true);
  });

  it("never asks setTimeout for a negative delay or one it would take as 0 (over 2^31 - 1 ms)", () => {
    expect(delayUntil(at + 1000, at)).toBe(1000);
    expect(delayUntil(at - 1000, at)).toBe(0);
    expect(delayUntil(at + 400 * 86_400_000, at)).toBe(2_147_483_647);
    expect(delayUntil(Infinity, at)).toBe(2_147_483_647);
  });

  it("is quiet until warnBefore seconds before the deadline, warns until it, then asks the server", () => {
    const view = viewOf({ active: true, idleSecondsLeft: 300, secondsLeft: 300 }, at);
    expect(stepOf(view, at, 60)).toEqual({ phase: "quiet", until: at + 240_000 });
    expect(stepOf(view, at + 239_999, 60)).toEqual({ phase: "quiet", until: at + 240_000 });
    expect(stepOf(view, at + 240_000, 60)).toEqual({ phase: "warning", until: at + 300_000, secondsLeft: 60 });
    expect(stepOf(view, at + 299_001, 60)).toEqual({ phase: "warning", until: at + 300_000, secondsLeft: 1 });
    expect(stepOf(view, at + 300_000, 60)).toEqual({ phase: "deadline" });
    // A warning longer than the session: warn at once.
    expect(stepOf(view, at, 600)).toMatchObject({ phase: "warning", secondsLeft: 300 });
    expect(stepOf(viewOf({ active: false, idleSecondsLeft: null, secondsLeft: null }, at), at, 60)).toEqual({ phase: "deadline" });
    expect(stepOf(viewOf({ active: true, idleSecondsLeft: null, secondsLeft: null }, at), at, 60)).toBeUndefined();
  });

  it("reads tab messages, and ignores what is not one", () => {
    const status = { active: true, idleSecondsLeft: 5, secondsLeft: 5 };
    expect(readMessage({ type: "logout", n: 0.5 })).toEqual({ type: "logout" });
    expect(readMessage({ type: "status", status, at, n: 0.1 })).toEqual({ type: "status", status, at });
    for (const bad of [
      null,
      "logout",
      { type: "login" },
      { type: "status", status, at: "1" },
      { type: "status", status, at: Infinity },
      { type: "status", status: { active: true }, at },
      { type: "status", at },
    ]) {
      expect(readMessage(bad), JSON.stringify(bad)).toBeUndefined();
    }
  });

  it("writes the countdown as minutes and seconds", () => {
    expect([0, 5, 60, 75, 600].map(minutesSeconds)).toEqual(["0:00", "0:05", "1:00", "1:15", "10:00"]);
  });
});
