import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { logIn, screenshotPath, sessionCookie, startBank, type Bank } from "./harness.js";

// The demo's own 5-minute idle timeout, with the warning a minute before the deadline: time passes through
// bank.advance() (the demo's clock and the browser's together), nobody waits for it.
const IDLE_TIMEOUT = 300;
const WARN_BEFORE = 60;
/** The idle warning's own dialog (edge-session/idle-warning), open while it warns. */
const WARNING = "#edge-session-idle-warning";
const OPEN = `${WARNING}[open]`;

let bank: Bank;
beforeAll(async () => {
  bank = await startBank({ IDLE_TIMEOUT: String(IDLE_TIMEOUT), IDLE_WARNING: String(WARN_BEFORE) });
});
afterAll(async () => {
  await bank?.close();
});

/**
 * Runs `move`, then resolves once the page's idle warning took a status it learned since (its
 * `edge-session:status` event): the warning is then shown or hidden as that status says.
 */
async function afterNextStatus(page: Page, move: () => Promise<void>): Promise<void> {
  await page.evaluate(() => {
    const taken = new Promise<void>((resolve) => document.addEventListener("edge-session:status", () => resolve(), { once: true }));
    Reflect.set(globalThis, "nextStatus", taken);
  });
  await move();
  await page.evaluate(() => Reflect.get(globalThis, "nextStatus") as Promise<void>);
}

describe("demo bank idle timeout in Chromium", () => {
  it("logs an idle user out on its own, and says why; the countdown's polling does not keep it alive", async () => {
    const context = await bank.newContext();
    const page = await context.newPage();
    const polls: string[] = [];
    page.on("request", (request) => {
      if (new URL(request.url()).pathname === "/session/status") polls.push(request.url());
    });
    await logIn(page, bank.url);
    expect(await page.textContent("#idle-left")).toMatch(/^(4:5\d|5:00)$/);
    // Nobody touches the page. 10 s before the warning is due, the poll finds the session quiet...
    await afterNextStatus(page, () => bank.advance(IDLE_TIMEOUT - WARN_BEFORE - 10));
    expect(await page.locator(OPEN).count()).toBe(0);
    expect(await page.textContent("#idle-left")).toMatch(/^1:(0\d|10)$/);
    // ...then the warning shows before the deadline, with "Stay signed in"...
    await bank.advance(20);
    await page.waitForSelector(OPEN, { timeout: 5000 });
    expect(await page.textContent(`${WARNING} [data-idle-countdown]`)).toMatch(/^0:(4\d|50)$/);
    expect(await page.isVisible(`${WARNING} button[data-idle-stay]`)).toBe(true);
    expect(new URL(page.url()).pathname).toBe("/account");
    await page.screenshot({ path: screenshotPath("idle-warning"), fullPage: true });
    // ...and, ignored, the page goes to the login page once the server says the session is over.
    await bank.advance(WARN_BEFORE);
    await page.waitForURL(`${bank.url}/login`, { timeout: 10_000 });
    expect(await page.textContent("#expired")).toBe("You were logged out after 5 minutes of inactivity.");
    expect(polls.length).toBeGreaterThan(1);
    expect(await sessionCookie(context, bank.url)).toBeUndefined();
    await page.screenshot({ path: screenshotPath("expired"), fullPage: true });
    await context.close();
  });

  it("says why when the idle warning's poll is the first request to meet the expired session (a laptop that wakes up)", async () => {
    const context = await bank.newContext();
    const page = await context.newPage();
    /** The cookie each status poll set: none, or the library's ended-session marker. */
    const polls: Promise<string | null>[] = [];
    page.on("response", (response) => {
      if (new URL(response.url()).pathname === "/session/status") polls.push(response.headerValue("set-cookie"));
    });
    await logIn(page, bank.url);
    // Nobody touches the page; the timers due meanwhile fire at once, and the first thing to reach the
    // server afterwards is the countdown's poll: no page view, no redirect carrying a reason.
    await bank.advance(IDLE_TIMEOUT + 30);
    await page.waitForURL(`${bank.url}/login`, { timeout: 10_000 });
    expect(await page.textContent("#expired")).toBe("You were logged out after 5 minutes of inactivity.");
    // A poll met the expired session and left the marker in its cookie's place; the login page read it.
    const setCookies = (await Promise.all(polls)).filter((setCookie) => setCookie !== null);
    // (Timers that fell due together may send two polls with the old cookie: each leaves a marker.)
    expect(setCookies.length).toBeGreaterThan(0);
    for (const setCookie of setCookies) expect(setCookie).toMatch(/^__Host-session=[\w.-]+; Max-Age=600;/);
    expect(await sessionCookie(context, bank.url)).toBeUndefined(); // the login page removed it once read
    await context.close();
  });

  it("says so too when the user comes back to a page after the timeout", async () => {
    const context = await bank.newContext();
    const page = await context.newPage();
    await logIn(page, bank.url);
    await page.goto("about:blank"); // no countdown running: the cookie alone must tell the server
    await bank.advance(IDLE_TIMEOUT + 1);
    await page.goto(`${bank.url}/transfer`);
    expect(new URL(page.url()).pathname).toBe("/login");
    expect(await page.textContent("#expired")).toBe("You were logged out after 5 minutes of inactivity.");
    await context.close();
  });

  it("keeps an active user logged in past the idle timeout", async () => {
    const context = await bank.newContext();
    const page = await context.newPage();
    await logIn(page, bank.url);
    // A page view every 280 s: three times the idle timeout in all, never 300 s without one.
    for (let view = 0; view < 3; view++) {
      await bank.advance(IDLE_TIMEOUT - 20);
      await page.goto(`${bank.url}/statement`);
      expect(new URL(page.url()).pathname).toBe("/statement");
    }
    await context.close();
  });

  it("two tabs agree: ignored in both, both warn, then both go to the login page at the deadline", async () => {
    const context = await bank.newContext();
    const a = await context.newPage();
    await logIn(a, bank.url);
    const b = await context.newPage();
    await b.goto(`${bank.url}/account`);
    await bank.advance(IDLE_TIMEOUT - WARN_BEFORE + 10);
    await Promise.all([a.waitForSelector(OPEN, { timeout: 5000 }), b.waitForSelector(OPEN, { timeout: 5000 })]);
    await bank.advance(WARN_BEFORE);
    await Promise.all([a.waitForURL(`${bank.url}/login`, { timeout: 10_000 }), b.waitForURL(`${bank.url}/login`, { timeout: 10_000 })]);
    expect(await sessionCookie(context, bank.url)).toBeUndefined();
    await context.close();
  });
});
