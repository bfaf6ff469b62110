import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { settingsOf } from "../../examples/bank/src/env.js";
import { MAX_MONTHS } from "../../examples/bank/src/statement.js";
import app from "../../examples/bank/src/index.js";
import { DEMO_CREDENTIALS } from "../../examples/bank/src/users.js";
import { IDLE_WARNING_SCRIPT, IDLE_WARNING_SCRIPT_INTEGRITY } from "../../src/idle-warning/index.js";
import { bankNow } from "../../examples/bank/src/e2e-clock.js";
import { KVStore } from "../../src/index.js";
import { sessionCookie } from "../../src/testing/index.js";
import { cookieJar, SECRET } from "../helpers.js";
import { bindings, client, loggedIn, ORIGIN } from "./client.js";

const INACTIVE = { active: false, idleSecondsLeft: null, secondsLeft: null };

describe("demo bank app", () => {
  it("refuses a wrong password without creating a session", async () => {
    const c = client();
    const res = await c.post("/login", { username: "alice", password: "nope" });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain("Wrong username or password");
    expect(res.headers.get("Set-Cookie")).toBeNull();
  });

  it("logs in with a new session id, then shows the account with a one-time welcome", async () => {
    const c = client();
    await c.get("/login"); // an anonymous visit: no cookie
    expect(c.cookies.value).toBeUndefined();
    await c.post("/login", DEMO_CREDENTIALS);
    expect(c.cookies.value).toBeDefined();
    const page = await (await c.get("/account")).text();
    expect(page).toContain("Welcome back, Alice Liddell.");
    expect(page).toContain("€12,345.67");
    expect(page).toMatch(/data-seconds-left="(29\d|300)"/);
    expect(await (await c.get("/account")).text()).not.toContain("Welcome back");
  });

  it("sends visitors without a session to the login page, in a redirect no cache keeps (requireSession)", async () => {
    const res = await client().get("/account");
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/login");
    expect(res.headers.get("Cache-Control")).toBe("no-store");
  });

  it("treats a tampered cookie as no session: login page, cookie removed, no error", async () => {
    const c = await loggedIn();
    const v = c.cookies.value!;
    c.cookies.value = v.slice(0, -2) + (v.endsWith("A") ? "BB" : "AA");
    const res = await c.get("/account");
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/login");
    expect(c.cookies.value).toBeUndefined();
  });

  it("refuses cross-site form posts (CSRF) and leaves the session unchanged", async () => {
    const c = await loggedIn();
    const before = c.cookies.value;
    const form = { payee: "Mallory", iban: "DE89370400440532013000", amount: "100", reference: "" };
    const attempts: Record<string, string>[] = [{ Origin: "https://evil.example" }, { "Sec-Fetch-Site": "cross-site" }, {}];
    for (const headers of attempts) {
      const res = await c.post("/transfer", form, headers);
      expect(res.status).toBe(403);
      expect(await res.text()).toContain("CSRF");
      expect(res.headers.get("Set-Cookie")).toBeNull();
    }
    expect((await c.post("/logout", {}, { "Sec-Fetch-Site": "cross-site" })).status).toBe(403);
    expect(c.cookies.value).toBe(before);
    expect(await (await c.get("/transfer")).text()).not.toContain("Mallory");
  });

  it("keeps a transfer draft in the session, then sends it once with a flash", async () => {
    const c = await loggedIn();
    const bad = await c.post("/transfer", { payee: "Bob", iban: "DE00", amount: "25", reference: "Tea" });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("Enter a valid IBAN");
    // The draft survives a detour through another page.
    await c.get("/account");
    expect(await (await c.get("/transfer")).text()).toContain('value="Bob"');

    const ok = await c.post("/transfer", { payee: "Bob", iban: "DE89 3704 0044 0532 0130 00", amount: "25", reference: "Tea" });
    expect(ok.headers.get("Location")).toBe("/transfer/review");
    expect(await (await c.get("/transfer/review")).text()).toContain("€25.00");
    const sent = await c.post("/transfer/send", {});
    expect(sent.headers.get("Location")).toBe("/account");
    const account = await (await c.get("/account")).text();
    expect(account).toContain("Transfer sent: €25.00 to Bob.");
    expect(account).toContain("€12,320.67");
    // Sending again finds no draft: no second payment.
    expect((await c.post("/transfer/send", {})).headers.get("Location")).toBe("/transfer");
    expect(await (await c.get("/account")).text()).toContain("€12,320.67");
  });

  it("grows the statement past the cookie limit into KV, and back into the cookie when cleared", async () => {
    const c = await loggedIn();
    const storage = async () => {
      const page = await (await c.get("/statement")).text();
      return { kv: page.includes("badge kv"), bytes: Number(/([\d,]+) bytes of 4,096/.exec(page)![1]!.replace(/,/g, "")) };
    };
    const sizes: number[] = [];
    for (let month = 1; month <= 8 && !(await storage()).kv; month++) {
      expect((await c.post("/statement/more", {})).status).toBe(303);
      sizes.push(c.cookies.value!.length);
    }
    const inKv = await storage();
    expect(inKv.kv).toBe(true);
    expect(sizes.length).toBeGreaterThan(2);
    expect(inKv.bytes).toBeLessThan(400); // the cookie now holds only a sealed pointer
    expect(Math.max(...sizes.slice(0, -1))).toBeGreaterThan(2500); // it was a big cookie the step before
    expect(await (await c.get("/statement")).text()).toContain(`${sizes.length * 12} transactions`);

    await c.post("/statement/clear", {});
    const back = await storage();
    expect(back.kv).toBe(false);
    expect(await (await c.get("/statement")).text()).toContain("0 transactions");
  });

  it("with COOKIE_CHUNKS = 3: the statement grows over 1, 2, 3 cookies, then into KV, and shrinks back month by month with no stale cookie", async () => {
    const env3 = { ...bindings, COOKIE_CHUNKS: "3" };
    const cookies = cookieJar();
    let token = ""; // the statement page's forms' CSRF token, as a browser posts it
    const send = async (path: string, method = "GET") => {
      const headers = { Origin: ORIGIN, ...cookies.header() };
      const res = await app.request(
        path,
        method === "POST"
          ? { method, body: new URLSearchParams(path === "/login" ? DEMO_CREDENTIALS : { _csrf: token }), headers }
          : { headers },
        env3,
      );
      cookies.take(res);
      return res;
    };
    const place = async () => {
      const page = await (await send("/statement")).text();
      token = /name="_csrf" value="([\w-]+)"/.exec(page)![1]!;
      const count = Number(/id="cookie-count">(\d+)</.exec(page)![1]);
      expect(cookies.cookies.size).toBe(count); // what the browser holds is what it sent: no stale chunk
      expect(page).toContain("of 12,288 bytes");
      return page.includes("badge kv") ? "kv" : `${count}`;
    };
    expect((await send("/login", "POST")).status).toBe(303);
    const grown: string[] = [await place()];
    while (grown.at(-1) !== "kv") {
      expect((await send("/statement/more", "POST")).status).toBe(303);
      grown.push(await place());
    }
    // Each step of about 1 KB: the cookie fills, then two, then three, then the session moves to KV.
    expect([...new Set(grown)]).toEqual(["1", "2", "3", "kv"]);
    for (const [name, value] of cookies.cookies) expect(name.length + value.length).toBeLessThanOrEqual(4096);
    const shrunk: string[] = [];
    do {
      expect((await send("/statement/less", "POST")).status).toBe(303);
      shrunk.push(await place());
    } while (!(await (await send("/statement")).text()).includes("<h2>0 transactions</h2>"));
    expect([...new Set(shrunk)]).toEqual(["kv", "3", "2", "1"].slice(shrunk[0] === "kv" ? 0 : 1));
    expect(cookies.names()).toEqual(["__Host-session"]);
  });

  it("caps the statement at two years", async () => {
    const c = await loggedIn();
    for (let month = 0; month < MAX_MONTHS; month++) await c.post("/statement/more", {});
    await c.post("/statement/more", {});
    const page = await (await c.get("/statement")).text();
    expect(page).toContain(`${MAX_MONTHS * 12} transactions`);
    expect(page).toContain(`Your history goes back ${MAX_MONTHS} months.`);
  });

  it("logout of a session in KV deletes the entry: the old pointer cookie no longer opens", async () => {
    const c = await loggedIn();
    for (let month = 0; month < 6; month++) await c.post("/statement/more", {});
    expect(await (await c.get("/statement")).text()).toContain("badge kv");
    const pointer = c.cookies.value!;
    const copy = client();
    copy.cookies.value = pointer;
    expect((await copy.get("/account")).status).toBe(200); // a copy works while the entry exists
    await c.post("/logout", {});
    c.cookies.value = pointer; // a copy of the cookie, replayed
    const res = await c.get("/account");
    expect(res.headers.get("Location")).toBe("/login");
  });

  it("logout destroys the session; the login page then removes the notice's cookie", async () => {
    const c = await loggedIn();
    const res = await c.post("/logout", {});
    expect(res.headers.get("Location")).toBe("/login");
    expect(await (await c.get("/login")).text()).toContain("You have been logged out.");
    expect(c.cookies.value).toBeUndefined();
    expect((await c.get("/account")).headers.get("Location")).toBe("/login");
  });

  it("answers the idle warning's status poll without extending the session", async () => {
    const c = await loggedIn();
    await c.get("/account");
    const res = await c.get("/session/status");
    expect(await res.json()).toEqual({ active: true, idleSecondsLeft: expect.any(Number), secondsLeft: expect.any(Number) });
    expect(res.headers.get("Set-Cookie")).toBeNull();
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    expect(await (await client().get("/session/status")).json()).toEqual(INACTIVE);
  });

  it("tells the idle warning a logged-out session is over, although it still carries the logout's notice", async () => {
    const c = await loggedIn();
    await c.post("/logout", {});
    expect(c.cookies.value).toBeDefined(); // the flash "You have been logged out." rides in a session of its own
    expect(await (await c.get("/session/status")).json()).toEqual(INACTIVE);
    expect(await (await c.post("/session/stay", {})).json()).toEqual(INACTIVE);
    expect(await (await c.get("/login")).text()).toContain("You have been logged out."); // the polls did not eat it
  });

  it("answers 'Stay signed in' with the status after the roll; it needs the page's own origin (CSRF)", async () => {
    const c = await loggedIn();
    const stay = await c.post("/session/stay", {});
    expect(stay.status).toBe(200);
    expect(await stay.json()).toEqual({ active: true, idleSecondsLeft: expect.any(Number), secondsLeft: expect.any(Number) });
    expect((await c.post("/session/stay", {}, { "Sec-Fetch-Site": "cross-site" })).status).toBe(403);
  });

  it("serves the idle warning script, and puts it on a logged-in user's pages only, with the CSP nonce and its hash", async () => {
    const script = await client().get(`/session/idle-warning.js?v=${encodeURIComponent(IDLE_WARNING_SCRIPT_INTEGRITY)}`);
    expect(script.status).toBe(200);
    expect(script.headers.get("Content-Type")).toBe("text/javascript; charset=utf-8");
    expect(script.headers.get("Cache-Control")).toBe("public, max-age=31536000, immutable");
    expect(await script.text()).toBe(IDLE_WARNING_SCRIPT);

    const login = await (await client().get("/login")).text();
    expect(login).not.toContain("idle-warning.js");
    const c = await loggedIn();
    const res = await c.get("/account");
    const nonce = /'nonce-([^']+)'/.exec(res.headers.get("Content-Security-Policy")!)![1];
    const tag = /<script src="\/session\/idle-warning\.js[^>]*>/.exec(await res.text())![0];
    expect(tag).toContain(`integrity="${IDLE_WARNING_SCRIPT_INTEGRITY}"`);
    expect(tag).toContain(`nonce="${nonce}"`);
    expect(tag).toContain('data-warn-before="60"');
  });

  it("takes the idle timeout from [vars] IDLE_TIMEOUT", async () => {
    expect(settingsOf({ ...bindings, IDLE_TIMEOUT: undefined })).toEqual({
      idleTimeout: 300,
      absoluteTimeout: 3600,
      cookieChunks: 1,
      warnBefore: 60,
      stepUpMaxAge: 60,
    });
    expect(settingsOf({ ...bindings, IDLE_TIMEOUT: "60", ABSOLUTE_TIMEOUT: "600" })).toEqual({
      idleTimeout: 60,
      absoluteTimeout: 600,
      cookieChunks: 1,
      warnBefore: 58, // never the whole timeout: "Stay signed in" must be able to quiet it
      stepUpMaxAge: 60,
    });
    expect(settingsOf({ ...bindings, IDLE_TIMEOUT: "4", IDLE_WARNING: "30", STEP_UP_MAX_AGE: "1" })).toMatchObject({
      warnBefore: 2,
      stepUpMaxAge: 1,
    });
    expect(settingsOf({ ...bindings, IDLE_TIMEOUT: "1" })).toMatchObject({ warnBefore: 1 });
    for (const name of ["IDLE_WARNING", "STEP_UP_MAX_AGE"]) {
      for (const bad of ["0", "-5", "1.5", "soon"]) expect(() => settingsOf({ ...bindings, [name]: bad }), bad).toThrow(new RegExp(name));
    }
    for (const bad of ["0", "-5", "1.5", "5 minutes"])
      expect(() => settingsOf({ ...bindings, IDLE_TIMEOUT: bad }), bad).toThrow(/IDLE_TIMEOUT/);
    const env60 = { ...bindings, IDLE_TIMEOUT: "60" };
    const login = await app.request(
      "/login",
      { method: "POST", body: new URLSearchParams(DEMO_CREDENTIALS), headers: { Origin: ORIGIN } },
      env60,
    );
    const cookie = login.headers.getSetCookie()[0]!.split(";")[0]!;
    const page = await (await app.request("/account", { headers: { Cookie: cookie } }, env60)).text();
    expect(page).toMatch(/data-seconds-left="(59|60)"/);
    expect(page).toContain("<dd>1 minute</dd>");
  });

  it("explains a missing or weak SESSION_SECRET instead of failing obscurely, without echoing it", async () => {
    const res = await app.request("/account", {}, { ...env, SESSION_SECRET: "" });
    expect(res.status).toBe(500);
    expect(await res.text()).toContain("npm start");
    const weak = await app.request("/account", {}, { ...env, SESSION_SECRET: "hunter2" });
    expect(weak.status).toBe(500);
    const text = await weak.text();
    expect(text).toContain("Session settings are not valid");
    expect(text).not.toContain("hunter2");
  });
});

describe("demo bank: the session is typed and checked by its schema (bankSchema)", () => {
  /** A cookie for alice sealed with the demo's settings, holding `data` as it is (no schema on the sealing side). */
  async function sealedFor(data: Record<string, unknown>) {
    const { idleTimeout, absoluteTimeout, cookieChunks } = settingsOf(bindings);
    const cookie = await sessionCookie({
      secret: SECRET,
      idleTimeout,
      absoluteTimeout,
      cookie: { chunks: cookieChunks },
      now: bankNow,
      overflow: new KVStore(bindings.SESSIONS),
      revocation: { namespace: bindings.SESSION_OBJECTS },
      context: null,
      data,
    });
    return cookie.slice(cookie.indexOf("=") + 1);
  }

  it("a session of the right shape opens the account; one with a balance as text opens to the login page", async () => {
    const good = client();
    good.cookies.value = await sealedFor({ user: "alice", balance: 100 });
    expect((await good.get("/account")).status).toBe(200);
    const bad = client();
    bad.cookies.value = await sealedFor({ user: "alice", balance: "a lot" });
    const res = await bad.get("/account");
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/login");
  });
});
