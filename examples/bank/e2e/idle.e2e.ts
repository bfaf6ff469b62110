import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { logIn, screenshotPath, sessionCookie, startBank, type Bank } from "./harness.js";

// A 3-second idle timeout (--var IDLE_TIMEOUT:3) instead of wrangler.toml's 5 minutes: the only place where
// the test suite waits in real time, a few seconds. The demo then shows the idle warning 1 s before the
// deadline (IDLE_TIMEOUT - 2: the status counts whole seconds).
const IDLE_TIMEOUT = 3;
/** The idle warning's own dialog (edge-session/idle-warning), open while it warns. */
const WARNING = "#edge-session-idle-warning";
const OPEN = `${WARNING}[open]`;

let bank: Bank;
beforeAll(async () => {
  bank = await startBank({ IDLE_TIMEOUT: String(IDLE_TIMEOUT) });
});
afterAll(async () => {
  await bank?.close();
});

describe("demo bank idle timeout in Chromium", () => {
  it("logs an idle user out on its own, and says why; the countdown's polling does not keep it alive", async () => {
    const context = await bank.newContext();
    const page = await context.newPage();
    const polls: string[] = [];
    page.on("request", (request) => {
      if (new URL(request.url()).pathname === "/session/status") polls.push(request.url());
    });
    await logIn(page, bank.url);
    // 2-3 s from the server (lastUsed is sealed in whole seconds); the page may already have ticked once.
    expect(await page.textContent("#idle-left")).toMatch(/^0:0[123]$/);
    // Nobody touches the page: the warning shows before the deadline, with "Stay signed in"...
    await page.waitForSelector(OPEN, { timeout: IDLE_TIMEOUT * 1000 });
    expect(await page.textContent(`${WARNING} [data-idle-countdown]`)).toMatch(/^0:0[01]$/);
    expect(await page.isVisible(`${WARNING} button[data-idle-stay]`)).toBe(true);
    expect(new URL(page.url()).pathname).toBe("/account");
    await page.screenshot({ path: screenshotPath("idle-warning"), fullPage: true });
    // ...and, ignored, the page goes to the login page once the server says the session is over.
    await page.waitForURL(`${bank.url}/login`, { timeout: (IDLE_TIMEOUT + 8) * 1000 });
    expect(await page.textContent("#expired")).toBe("You were logged out after 3 seconds of inactivity.");
    expect(polls.length).toBeGreaterThan(0);
    expect(await sessionCookie(context, bank.url)).toBeUndefined();
    await page.screenshot({ path: screenshotPath("expired"), fullPage: true });
    await context.close();
  });

  it("says so too when the user comes back to a page after the timeout", async () => {
    const context = await bank.newContext();
    const page = await context.newPage();
    await logIn(page, bank.url);
    await page.goto("about:blank"); // no countdown running: the cookie alone must tell the server
    await new Promise((resolve) => setTimeout(resolve, (IDLE_TIMEOUT + 1.5) * 1000));
    await page.goto(`${bank.url}/transfer`);
    expect(new URL(page.url()).pathname).toBe("/login");
    expect(await page.textContent("#expired")).toContain("logged out after 3 seconds of inactivity");
    await context.close();
  });

  it("keeps an active user logged in past the idle timeout", async () => {
    const context = await bank.newContext();
    const page = await context.newPage();
    await logIn(page, bank.url);
    const started = Date.now();
    while (Date.now() - started < (IDLE_TIMEOUT + 2) * 1000) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await page.goto(`${bank.url}/statement`);
      expect(new URL(page.url()).pathname).toBe("/statement");
    }
    await context.close();
  });

  it("two tabs agree: ignored in both, both go to the login page at the deadline", async () => {
    const context = await bank.newContext();
    const a = await context.newPage();
    await logIn(a, bank.url);
    const b = await context.newPage();
    await b.goto(`${bank.url}/account`);
    const timeout = (IDLE_TIMEOUT + 8) * 1000;
    await Promise.all([a.waitForURL(`${bank.url}/login`, { timeout }), b.waitForURL(`${bank.url}/login`, { timeout })]);
    expect(await sessionCookie(context, bank.url)).toBeUndefined();
    await context.close();
  });
});
