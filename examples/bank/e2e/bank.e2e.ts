import { copyFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../../../scripts/start.mjs";
import { COOKIE_NAME, CREDENTIALS, logIn, screenshotPath, sessionCookie, startBank, type Bank } from "./harness.js";

const IPHONE_SAFARI =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Mobile/15E148 Safari/604.1";

/** wrangler.toml's default: a password check covers large transfers for a minute. */
const STEP_UP_MAX_AGE = 60;

let bank: Bank;
beforeAll(async () => {
  // wrangler.toml's own [vars]: the 5-minute idle timeout, step-up after a minute.
  bank = await startBank();
});
afterAll(async () => {
  await bank?.close();
});

describe("demo bank in Chromium (wrangler dev, default settings)", () => {
  it("logs in and shows the account with the session's live metadata", async () => {
    const context = await bank.newContext();
    const page = await context.newPage();
    await page.goto(`${bank.url}/`);
    expect(new URL(page.url()).pathname).toBe("/login");
    await expect(page.textContent("#demo-credentials")).resolves.toContain("rabbit-hole-1865");
    await page.screenshot({ path: screenshotPath("login"), fullPage: true });

    await logIn(page, bank.url);
    expect(await page.textContent(".notice")).toContain("Welcome back, Alice Liddell.");
    expect(await page.textContent("#balance")).toBe("€12,345.67");
    expect(await page.textContent("#storage")).toContain("Cookie");
    expect(await page.textContent("#cookie-size")).toMatch(/^\s*[1-9][\d,]* bytes of 4,096 bytes/);
    const created = await page.getAttribute("#created time", "datetime");
    expect(Math.abs(Date.parse(created!) - (await bank.now()))).toBeLessThan(60_000);
    // The countdown starts near 5:00 and ticks down in the page.
    const first = await page.textContent("#idle-left");
    expect(first).toMatch(/^(4:5\d|5:00)$/);
    await bank.advance(2);
    await page.waitForFunction((start) => document.getElementById("idle-left")?.textContent !== start, first, {
      timeout: 5000,
    });
    await page.screenshot({ path: screenshotPath("account"), fullPage: true });
    if (process.env.E2E_UPDATE_DOCS) {
      mkdirSync(path.join(ROOT, "docs"), { recursive: true });
      copyFileSync(screenshotPath("account"), path.join(ROOT, "docs", "account.png"));
    }
    await context.close();
  });

  it("keeps the session cookie from scripts, with the documented attributes", async () => {
    const context = await bank.newContext();
    const page = await context.newPage();
    await logIn(page, bank.url);
    expect(await page.evaluate(() => document.cookie)).not.toContain(COOKIE_NAME);
    const cookie = await sessionCookie(context, bank.url);
    expect(cookie).toMatchObject({
      name: COOKIE_NAME,
      domain: "127.0.0.1", // host-only: no Domain attribute
      path: "/",
      httpOnly: true,
      secure: true,
      sameSite: "Lax",
      expires: -1, // a browser-session cookie: no Max-Age by default
    });
    expect(cookie!.value).toMatch(/^[\w-]+\.\.[\w-]+\.[\w-]+\.[\w-]+$/); // compact JWE, "dir": empty key part
    await context.close();
  });

  it("keeps the session across a reload", async () => {
    const context = await bank.newContext();
    const page = await context.newPage();
    await logIn(page, bank.url);
    const id = await page.textContent("#session code");
    await page.reload();
    expect(new URL(page.url()).pathname).toBe("/account");
    expect(await page.textContent("#session code")).toBe(id);
    expect(await page.locator(".notice").count()).toBe(0); // the welcome flash was shown once
    await context.close();
  });

  it("keeps a transfer draft in the session and sends it with a flash", async () => {
    const context = await bank.newContext();
    const page = await context.newPage();
    await logIn(page, bank.url);
    await page.goto(`${bank.url}/transfer`);
    await page.fill("#payee", "Bob Builder");
    await page.fill("#iban", "DE89 3704 0044 0532 0130 00");
    await page.fill("#amount", "99999");
    await page.fill("#reference", "Tea party");
    await page.click("text=Review transfer");
    expect(await page.textContent("#amount-error")).toContain("limit per transfer");
    // Leave and come back: the draft is still there.
    await page.goto(`${bank.url}/account`);
    expect(await page.textContent("a.button")).toBe("Continue your transfer");
    await page.goto(`${bank.url}/transfer`);
    expect(await page.inputValue("#payee")).toBe("Bob Builder");
    await page.fill("#amount", "45.50");
    await Promise.all([page.waitForURL(`${bank.url}/transfer/review`), page.click("text=Review transfer")]);
    expect(await page.textContent("#review")).toContain("€45.50");
    await Promise.all([page.waitForURL(`${bank.url}/account`), page.click("text=Send now")]);
    expect(await page.textContent(".notice")).toBe("Transfer sent: €45.50 to Bob Builder.");
    expect(await page.textContent("#balance")).toBe("€12,300.17");
    expect(await page.textContent("#recent")).toContain("Tea party");
    await context.close();
  });

  it("refuses a forged form: another site's page, and a form of this origin without the session's token", async () => {
    const context = await bank.newContext();
    const page = await context.newPage();
    await logIn(page, bank.url);
    await page.goto(`${bank.url}/transfer`);
    await page.fill("#payee", "Mallory");
    await page.fill("#iban", "DE89 3704 0044 0532 0130 00");
    await page.fill("#amount", "500");
    await Promise.all([page.waitForURL(`${bank.url}/transfer/review`), page.click("text=Review transfer")]);
    // Another site's page that posts "Send now" as soon as it loads (served here by the browser itself).
    await context.route("https://evil.example/", (route) =>
      route.fulfill({
        contentType: "text/html",
        body: `<form id="f" method="post" action="${bank.url}/transfer/send"></form><script>document.getElementById("f").submit()</script>`,
      }),
    );
    await Promise.all([page.waitForURL(`${bank.url}/transfer/send`), page.goto("https://evil.example/")]);
    expect(await page.textContent("h1")).toBe("Request refused"); // csrf() and SameSite=Lax, before the token
    // The page's own form with its hidden _csrf removed (what an injected form or a sibling subdomain could send).
    await page.goto(`${bank.url}/transfer/review`);
    await page.evaluate(() => document.querySelectorAll('input[name="_csrf"]').forEach((input) => input.remove()));
    const [refused] = await Promise.all([page.waitForResponse(`${bank.url}/transfer/send`), page.click("text=Send now")]);
    expect(refused.status()).toBe(403);
    expect(await page.textContent("main")).toContain("not sent from a page of your current session");
    // Nothing was sent; the untouched page still sends.
    await page.goto(`${bank.url}/account`);
    expect(await page.textContent("#balance")).toBe("€12,345.67");
    await page.goto(`${bank.url}/transfer/review`);
    await Promise.all([page.waitForURL(`${bank.url}/account`), page.click("text=Send now")]);
    expect(await page.textContent("#balance")).toBe("€11,845.67");
    await context.close();
  });

  it("shares one session between two tabs", async () => {
    const context = await bank.newContext();
    const first = await context.newPage();
    await logIn(first, bank.url);
    const second = await context.newPage();
    await second.goto(`${bank.url}/account`);
    expect(new URL(second.url()).pathname).toBe("/account");
    expect(await second.textContent("#session code")).toBe(await first.textContent("#session code"));
    // A transfer sent in the second tab shows in the first.
    await second.goto(`${bank.url}/transfer`);
    await second.fill("#payee", "Carol");
    await second.fill("#iban", "GB82 WEST 1234 5698 7654 32");
    await second.fill("#amount", "100");
    await second.click("text=Review transfer");
    await Promise.all([second.waitForURL(`${bank.url}/account`), second.click("text=Send now")]);
    await first.reload();
    expect(await first.textContent("#balance")).toBe("€12,245.67");
    await context.close();
  });

  it("asks for the password again before a transfer over €1,000 (step-up), not before a small one", async () => {
    const context = await bank.newContext();
    const page = await context.newPage();
    await logIn(page, bank.url);
    const transfer = async (amount: string) => {
      await page.goto(`${bank.url}/transfer`);
      await page.fill("#payee", "Dinah");
      await page.fill("#iban", "DE89 3704 0044 0532 0130 00");
      await page.fill("#amount", amount);
      await Promise.all([page.waitForURL(`${bank.url}/transfer/review`), page.click("text=Review transfer")]);
    };
    // Small: sent at once, however long ago the password was given.
    await bank.advance(STEP_UP_MAX_AGE + 1); // the login's password check is now stale
    await transfer("50");
    expect(await page.locator("#step-up-note").count()).toBe(0);
    await Promise.all([page.waitForURL(`${bank.url}/account`), page.click("text=Send now")]);
    expect(await page.textContent(".notice")).toBe("Transfer sent: €50.00 to Dinah.");

    // Large: the password again.
    await transfer("1500");
    expect(await page.textContent("#step-up-note")).toContain("Transfers over €1,000.00 need your password again.");
    await Promise.all([page.waitForURL(`${bank.url}/transfer/confirm`), page.click("text=Send now")]);
    expect(await page.textContent("h1")).toBe("Confirm it's you");
    await page.fill("#password", "not-my-password");
    const refused = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith("/transfer/confirm")),
      page.click("text=Confirm and send"),
    ]);
    expect(refused[0].status()).toBe(401);
    expect(await page.textContent("#step-up-failed")).toBe("Wrong password. The transfer was not sent.");
    await page.screenshot({ path: screenshotPath("step-up"), fullPage: true });
    await page.fill("#password", CREDENTIALS.password);
    await Promise.all([page.waitForURL(`${bank.url}/account`), page.click("text=Confirm and send")]);
    expect(await page.textContent(".notice")).toBe("Transfer sent: €1,500.00 to Dinah.");
    expect(await page.textContent("#balance")).toBe("€10,795.67");
    await context.close();
  });

  it("a logout in one tab logs the others out, with BroadcastChannel or, without it, storage events", async () => {
    for (const broadcastChannel of [true, false]) {
      const context = await bank.newContext();
      if (!broadcastChannel) await context.addInitScript(() => Reflect.deleteProperty(globalThis, "BroadcastChannel"));
      const a = await context.newPage();
      await logIn(a, bank.url);
      const b = await context.newPage();
      await b.goto(`${bank.url}/statement`);
      expect(await b.evaluate(() => typeof BroadcastChannel)).toBe(broadcastChannel ? "function" : "undefined");
      await Promise.all([a.waitForURL(`${bank.url}/login`), a.click("text=Log out")]);
      // B polls every 15 s and its session has minutes left: only A's message can bring it here this soon.
      await b.waitForURL(`${bank.url}/login`, { timeout: 5000 });
      expect(await b.locator("#username").isVisible()).toBe(true);
      await context.close();
    }
  });

  it("treats a tampered cookie as logged out: the login page, not an error", async () => {
    const context = await bank.newContext();
    const page = await context.newPage();
    await logIn(page, bank.url);
    const cookie = (await sessionCookie(context, bank.url))!;
    const middle = Math.floor(cookie.value.length / 2);
    const flipped = cookie.value[middle] === "A" ? "B" : "A";
    for (const value of [cookie.value.slice(0, middle) + flipped + cookie.value.slice(middle + 1), "not-a-session"]) {
      // Overwrites the browser's cookie (CDP refuses a Secure cookie given with an http: url; domain + path works).
      await context.addCookies([
        { name: COOKIE_NAME, value, domain: "127.0.0.1", path: "/", secure: true, httpOnly: true, sameSite: "Lax" },
      ]);
      expect((await sessionCookie(context, bank.url))?.value).toBe(value);
      const response = await page.goto(`${bank.url}/account`);
      expect(response?.status()).toBe(200);
      expect(new URL(page.url()).pathname).toBe("/login");
      expect(await page.locator("#username").isVisible()).toBe(true);
      expect(await page.locator("#error").count()).toBe(0);
      expect(await sessionCookie(context, bank.url)).toBeUndefined(); // the bad cookie was removed
    }
    await context.close();
  });

  it("grows the session past the cookie limit into KV on the statement page, and back when cleared", async () => {
    const context = await bank.newContext();
    const page = await context.newPage();
    await logIn(page, bank.url);
    await page.goto(`${bank.url}/statement`);
    const cookieBytes = async () => Number((await page.textContent("#cookie-size"))!.match(/([\d,]+) bytes/)![1]!.replace(/,/g, ""));
    const sizes: number[] = [];
    for (let month = 0; month < 8 && !(await page.textContent("#storage"))!.includes("KV"); month++) {
      await Promise.all([page.waitForNavigation(), page.click("#load-more")]);
      sizes.push(await cookieBytes());
    }
    expect(await page.textContent("#storage")).toContain("Workers KV");
    await page.screenshot({ path: screenshotPath("statement-kv"), fullPage: true });
    const inCookie = sizes.slice(0, -1);
    expect(inCookie.length).toBeGreaterThan(1);
    expect(inCookie).toEqual([...inCookie].sort((a, b) => a - b)); // the cookie grew month by month...
    expect(inCookie.at(-1)!).toBeGreaterThan(2500);
    expect(inCookie.at(-1)!).toBeLessThanOrEqual(4096);
    expect(sizes.at(-1)!).toBeLessThan(400); // ...then the session moved to KV: the cookie holds a pointer
    expect(await page.textContent("h2:has-text('transactions')")).toBe(`${sizes.length * 12} transactions`);

    // Still logged in, and the session still in KV, on the next page.
    await page.goto(`${bank.url}/account`);
    expect(await page.textContent("#storage")).toContain("Workers KV");
    await page.goto(`${bank.url}/statement`);
    await Promise.all([page.waitForNavigation(), page.click("#clear")]);
    expect(await page.textContent(".notice")).toBe("Statement cleared.");
    expect(await page.textContent("#storage")).toContain("Cookie");
    expect(await cookieBytes()).toBeLessThan(inCookie[0]!);
    await context.close();
  });

  it("logout of a session in KV deletes the entry: a copy of the cookie no longer opens", async () => {
    const context = await bank.newContext();
    const page = await context.newPage();
    await logIn(page, bank.url);
    await page.goto(`${bank.url}/statement`);
    for (let month = 0; month < 5; month++) await Promise.all([page.waitForNavigation(), page.click("#load-more")]);
    expect(await page.textContent("#storage")).toContain("Workers KV");
    const copy = (await sessionCookie(context, bank.url))!;
    await Promise.all([page.waitForURL(`${bank.url}/login`), page.click("text=Log out")]);
    await context.addCookies([{ ...copy, sameSite: "Lax" }]);
    await page.goto(`${bank.url}/statement`);
    expect(new URL(page.url()).pathname).toBe("/login");
    await context.close();
  });

  it("logs out another device from the devices page: its next page says why; this device stays", async () => {
    const laptop = await bank.newContext(); // Chromium's own User-Agent: "Chrome on Linux"
    const phone = await bank.newContext({ userAgent: IPHONE_SAFARI });
    const a = await laptop.newPage();
    const b = await phone.newPage();
    await logIn(b, bank.url);
    await b.goto(`${bank.url}/devices`); // a page without the countdown, whose poll would notice the logout by itself
    expect(await b.textContent("#devices tr.current")).toContain("Safari on iPhone");
    await logIn(a, bank.url);
    await a.goto(`${bank.url}/devices`);
    expect(await a.textContent("#devices tr.current")).toMatch(/Chrome on Linux\s+This device/);
    const phoneRow = a.locator("#devices tr", { hasText: "Safari on iPhone" });
    expect(await phoneRow.count()).toBe(1);
    await a.screenshot({ path: screenshotPath("devices"), fullPage: true });

    await Promise.all([a.waitForNavigation(), phoneRow.getByRole("button", { name: "Log out this device" }).click()]);
    expect(await a.textContent(".notice")).toBe("Logged out Safari on iPhone.");
    expect(await phoneRow.count()).toBe(0);

    await Promise.all([b.waitForURL(`${bank.url}/login`), b.click("nav >> text=Account")]);
    expect(await b.textContent("#expired")).toBe("You were logged out from another device.");
    expect(await sessionCookie(phone, bank.url)).toBeUndefined();
    await b.screenshot({ path: screenshotPath("revoked"), fullPage: true });

    await a.goto(`${bank.url}/account`);
    expect(new URL(a.url()).pathname).toBe("/account");
    await laptop.close();
    await phone.close();
  });

  it("logs out: the session is destroyed and the cookie gone", async () => {
    const context = await bank.newContext();
    const page = await context.newPage();
    await logIn(page, bank.url);
    await Promise.all([page.waitForURL(`${bank.url}/login`), page.click("text=Log out")]);
    expect(await page.textContent(".notice")).toBe("You have been logged out.");
    expect(await sessionCookie(context, bank.url)).toBeUndefined();
    await page.goto(`${bank.url}/account`);
    expect(new URL(page.url()).pathname).toBe("/login");
    await context.close();
  });
});
