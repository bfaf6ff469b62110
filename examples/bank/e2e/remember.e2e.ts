import type { BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COOKIE_NAME, CREDENTIALS, sessionCookie, startBank, type Bank } from "./harness.js";

// The demo's own limits: 5 minutes idle for sessions that are not remembered.
const IDLE_TIMEOUT = 300;

let bank: Bank;
beforeAll(async () => {
  bank = await startBank({ IDLE_TIMEOUT: String(IDLE_TIMEOUT) });
});
afterAll(async () => {
  await bank?.close();
});

/** Logs in through the form, with "Keep me signed in" ticked or not. */
async function logIn(context: BrowserContext, remember: boolean) {
  const page = await context.newPage();
  await page.goto(`${bank.url}/login`);
  await page.fill("#username", CREDENTIALS.username);
  await page.fill("#password", CREDENTIALS.password);
  if (remember) await page.check("#remember");
  await Promise.all([page.waitForURL(`${bank.url}/account`), page.click("button[type=submit]")]);
  await page.close();
}

/**
 * A browser restart: a new profile holding only the cookies that outlive one (those with an expiry);
 * browser-session cookies are gone, as when the browser closes.
 */
async function restart(context: BrowserContext): Promise<BrowserContext> {
  const kept = (await context.cookies()).filter((cookie) => cookie.expires > 0);
  await context.close();
  const next = await bank.newContext();
  await next.addCookies(kept);
  return next;
}

describe("demo bank: Keep me signed in, in Chromium", () => {
  it("ticked: still signed in after a browser restart and a night away; unticked: the restart logs out", async () => {
    let remembered = await bank.newContext();
    await logIn(remembered, true);
    const cookie = await sessionCookie(remembered, bank.url);
    expect(cookie!.expires * 1000).toBeGreaterThan((await bank.now()) + 24 * 3600 * 1000);
    remembered = await restart(remembered);
    await bank.advance(8 * 3600); // overnight: far past the demo's 5-minute idle limit
    const page = await remembered.newPage();
    await page.goto(`${bank.url}/account`);
    expect(new URL(page.url()).pathname).toBe("/account");
    // The devices page tells it: remembered on this device, until a week after this visit unless used again.
    await page.goto(`${bank.url}/devices`);
    expect(await page.textContent("#devices tr.current .kept")).toMatch(
      /^Remembered until \d+ \w{3} \d{4}, \d\d:\d\d UTC; signed out after 7 days idle$/,
    );
    await remembered.close();

    let plain = await bank.newContext();
    await logIn(plain, false);
    expect((await sessionCookie(plain, bank.url))!.expires).toBe(-1); // a browser-session cookie
    const devices = await plain.newPage();
    await devices.goto(`${bank.url}/devices`);
    expect(await devices.textContent("#devices tr.current .kept")).toBe("Until the browser closes; signed out after 5 minutes idle");
    await devices.close();
    plain = await restart(plain);
    expect((await plain.cookies()).some((c) => c.name === COOKIE_NAME)).toBe(false);
    const again = await plain.newPage();
    await again.goto(`${bank.url}/account`);
    expect(new URL(again.url()).pathname).toBe("/login");
    await plain.close();
  });
});
