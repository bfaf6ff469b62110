import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { logIn, startBank, type Bank } from "./harness.js";

// The demo's own 5-minute idle timeout, with the warning a minute before the deadline. bank.advance() moves
// the demo's clock and the browser's past the point where the warning opens; nobody waits for it.
const IDLE_TIMEOUT = 300;
const WARN_BEFORE = 60;
/** Seconds after login (or the last page view) when the warning is open. */
const WARNING_DUE = IDLE_TIMEOUT - WARN_BEFORE + 1;
/** The idle warning's own dialog (edge-session/idle-warning), open while it warns. */
const WARNING = "#edge-session-idle-warning";
const OPEN = `${WARNING}[open]`;
const STAY = `${WARNING} button[data-idle-stay]`;

let bank: Bank;
beforeAll(async () => {
  bank = await startBank({ IDLE_TIMEOUT: String(IDLE_TIMEOUT), IDLE_WARNING: String(WARN_BEFORE) });
});
afterAll(async () => {
  await bank?.close();
});

/** Counts the page's status polls: a tab that learns of the session from another tab asks nobody. */
function countPolls(page: Page): { count: number } {
  const polls = { count: 0 };
  page.on("request", (request) => {
    if (new URL(request.url()).pathname === "/session/status") polls.count++;
  });
  return polls;
}

/** What the server says, asked the way the idle warning asks (without extending the session). */
async function statusOf(page: Page): Promise<{ active: boolean; idleSecondsLeft: number | null }> {
  return page.evaluate(async () => (await fetch("/session/status")).json());
}

/** Two tabs of one browser on the account page, both warning. */
async function twoWarningTabs() {
  const context = await bank.newContext();
  const a = await context.newPage();
  await logIn(a, bank.url);
  const b = await context.newPage();
  const bPolls = countPolls(b);
  await b.goto(`${bank.url}/account`);
  await bank.advance(WARNING_DUE);
  await Promise.all([a.waitForSelector(OPEN, { timeout: 5000 }), b.waitForSelector(OPEN, { timeout: 5000 })]);
  return { context, a, b, bPolls };
}

describe("demo bank idle warning in Chromium", () => {
  it('"Stay signed in" extends the session: the warning goes, the server counts the whole timeout again', async () => {
    const context = await bank.newContext();
    const page = await context.newPage();
    await logIn(page, bank.url);
    await bank.advance(WARNING_DUE);
    await page.waitForSelector(OPEN, { timeout: 5000 });
    expect((await statusOf(page)).idleSecondsLeft).toBeLessThanOrEqual(WARN_BEFORE);
    const clicked = Date.now();
    await page.click(STAY);
    await page.waitForSelector(OPEN, { state: "detached", timeout: 1000 });
    const after = await statusOf(page);
    expect(after.active).toBe(true);
    // The demo's clock is real time plus the suite's offset: what passed since the click (a slow moment on a
    // shared machine) is off the count, which is whole seconds rounded down. Far above WARN_BEFORE either way.
    const elapsed = Math.ceil((Date.now() - clicked) / 1000);
    expect(after.idleSecondsLeft).toBeGreaterThanOrEqual(IDLE_TIMEOUT - 1 - elapsed);
    expect(new URL(page.url()).pathname).toBe("/account");
    await context.close();
  });

  it('two tabs agree: "Stay signed in" in one dismisses the warning in the other, which asks nobody', async () => {
    const { context, a, b, bPolls } = await twoWarningTabs();
    const before = bPolls.count;
    await a.click(STAY);
    await b.waitForSelector(OPEN, { state: "detached", timeout: 1000 });
    expect(bPolls.count).toBe(before); // B heard it from A (BroadcastChannel), not from the server
    expect(new URL(b.url()).pathname).toBe("/account");
    await context.close();
  });

  it("two tabs agree: a page viewed in one (activity) dismisses the warning in the other", async () => {
    const { context, a, b, bPolls } = await twoWarningTabs();
    const before = bPolls.count;
    await a.goto(`${bank.url}/statement`); // an ordinary page view rolls the session
    await b.waitForSelector(OPEN, { state: "detached", timeout: 1000 });
    expect(bPolls.count).toBe(before);
    expect(await a.locator(OPEN).count()).toBe(0);
    expect(new URL(b.url()).pathname).toBe("/account");
    await context.close();
  });

  it("uses the app's own element (data-dialog), and refuses a misspelt attribute without starting", async () => {
    const context = await bank.newContext();
    const page = await context.newPage();
    await logIn(page, bank.url);
    // A page of "another app" on the same origin, answered by the browser harness (no CSP, not the demo's markup).
    const pages: Record<string, string> = {
      "/own-warning": `<div id="timeout" hidden><p>Left: <span data-idle-countdown></span></p><button data-idle-stay>Keep me in</button></div>
        <script src="/session/idle-warning.js" data-dialog="timeout" data-warn-before="${WARN_BEFORE}"></script>`,
      "/misspelt": `<script src="/session/idle-warning.js" data-warn-befor="${WARN_BEFORE}"></script>`,
    };
    await context.route(
      (url) => url.pathname in pages,
      (route) =>
        route.fulfill({ contentType: "text/html", body: `<!doctype html><body>${pages[new URL(route.request().url()).pathname]}</body>` }),
    );
    await page.goto(`${bank.url}/own-warning`);
    await bank.advance(WARNING_DUE);
    await page.waitForSelector("#timeout:not([hidden])", { timeout: 5000 });
    expect(await page.textContent("#timeout [data-idle-countdown]")).toMatch(/^0:5\d$/);
    expect(await page.locator(WARNING).count()).toBe(0); // no dialog of its own
    const kept = Date.now();
    await page.click("text=Keep me in");
    await page.waitForSelector("#timeout[hidden]", { state: "attached", timeout: 1000 });
    const keptFor = Math.ceil((Date.now() - kept) / 1000); // real time, as above
    expect((await statusOf(page)).idleSecondsLeft).toBeGreaterThanOrEqual(IDLE_TIMEOUT - 1 - keptFor);

    const misspelt = await context.newPage();
    const polls = countPolls(misspelt);
    const [error] = await Promise.all([misspelt.waitForEvent("pageerror"), misspelt.goto(`${bank.url}/misspelt`)]);
    expect(`${error.name}: ${error.message}`).toBe(
      "SessionConfigError: idle warning: unknown attribute data-warn-befor on its script element",
    );
    expect(polls.count).toBe(0); // it did not start
    await context.close();
  });
});
