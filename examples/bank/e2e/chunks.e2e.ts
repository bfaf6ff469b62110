import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COOKIE_NAME, logIn, screenshotPath, startBank, type Bank } from "./harness.js";

// The demo with COOKIE_CHUNKS=3 (--var): a session may take up to three cookies before it spills to KV.
const CHUNKS = 3;

let bank: Bank;
beforeAll(async () => {
  bank = await startBank({ COOKIE_CHUNKS: String(CHUNKS) });
});
afterAll(async () => {
  await bank?.close();
});

/** The session's cookies in the browser's jar (the cookie and its chunks), by name. */
async function sessionCookies(context: BrowserContext) {
  const all = await context.cookies(bank.url);
  return all
    .filter((cookie) => cookie.name === COOKIE_NAME || cookie.name.startsWith(`${COOKIE_NAME}.`))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Where the page says the session is ("1", "2", "3" cookies, or "kv"), checked against the browser's jar. */
async function place(page: Page, context: BrowserContext): Promise<string> {
  const count = Number(await page.textContent("#cookie-count"));
  const jar = await sessionCookies(context);
  // The jar holds exactly the cookies the page was sent: no chunk left over from a larger session.
  expect(jar.map((cookie) => cookie.name)).toEqual(Array.from({ length: count }, (_, k) => (k ? `${COOKIE_NAME}.${k}` : COOKIE_NAME)));
  for (const cookie of jar) {
    expect(cookie.name.length + cookie.value.length).toBeLessThanOrEqual(4096);
    expect(cookie).toMatchObject({ domain: "127.0.0.1", path: "/", httpOnly: true, secure: true, sameSite: "Lax", expires: -1 });
  }
  return (await page.textContent("#storage"))!.includes("Workers KV") ? "kv" : String(count);
}

describe(`demo bank in Chromium with COOKIE_CHUNKS=${CHUNKS}`, () => {
  it("grows the session over 1, 2, 3 cookies, then into KV, and shrinks back month by month, leaving no stale cookie in the jar", async () => {
    const context = await bank.newContext();
    const page = await context.newPage();
    await logIn(page, bank.url);
    await page.goto(`${bank.url}/statement`);
    expect(await page.textContent("#cookie-size")).toContain("of 12,288 bytes");

    const grown = [await place(page, context)];
    while (grown.at(-1) !== "kv" && grown.length < 24) {
      await Promise.all([page.waitForNavigation(), page.click("#load-more")]);
      grown.push(await place(page, context));
    }
    expect([...new Set(grown)]).toEqual(["1", "2", "3", "kv"]);
    await page.screenshot({ path: screenshotPath("statement-chunks-kv"), fullPage: true });

    const shrunk: string[] = [];
    while ((await page.textContent("h2:has-text('transactions')")) !== "0 transactions") {
      await Promise.all([page.waitForNavigation(), page.click("#drop-month")]);
      shrunk.push(await place(page, context));
      if (shrunk.at(-1) === "3") await page.screenshot({ path: screenshotPath("statement-chunks-3"), fullPage: true });
    }
    expect([...new Set(shrunk)]).toEqual(["3", "2", "1"]);
    expect((await sessionCookies(context)).map((cookie) => cookie.name)).toEqual([COOKIE_NAME]);

    // Still the same logged-in session, in one cookie again.
    await page.goto(`${bank.url}/account`);
    expect(new URL(page.url()).pathname).toBe("/account");
    expect(await page.textContent("#balance")).toBe("€12,345.67");
    await context.close();
  });

  it("logout of a session split over three cookies removes every one of them", async () => {
    const context = await bank.newContext();
    const page = await context.newPage();
    await logIn(page, bank.url);
    await page.goto(`${bank.url}/statement`);
    while ((await place(page, context)) !== "3") await Promise.all([page.waitForNavigation(), page.click("#load-more")]);
    expect(await sessionCookies(context)).toHaveLength(3);
    await Promise.all([page.waitForURL(`${bank.url}/login`), page.click("text=Log out")]);
    expect(await sessionCookies(context)).toEqual([]);
    await context.close();
  });
});
