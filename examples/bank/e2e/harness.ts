/**
 * The e2e harness: the demo on wrangler dev (via scripts/start.mjs, like `npm start`) on a free loopback port
 * with its own KV directory, and Debian's Chromium driven by playwright-core.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from "playwright-core";
import { ensureDevVars, ROOT, startDemo } from "../../../scripts/start.mjs";

export const COOKIE_NAME = "__Host-session";
export const CREDENTIALS = { username: "alice", password: "rabbit-hole-1865" };
/** Git-ignored: screenshots of every run. */
export const RESULTS = path.join(ROOT, "test-results");

/** A port the kernel just handed out on 127.0.0.1, so parallel runs and a running `npm start` never collide. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface Bank {
  url: string;
  browser: Browser;
  /** A fresh browser profile (cookie jar) per call: one "user", or one device (e.g. `{ userAgent }`). */
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
  close(): Promise<void>;
}

/** Starts the demo (with `vars` overriding wrangler.toml's [vars]) and a headless Chromium. */
export async function startBank(vars: Record<string, string> = {}): Promise<Bank> {
  ensureDevVars();
  mkdirSync(RESULTS, { recursive: true });
  const persistTo = mkdtempSync(path.join(tmpdir(), "edge-bank-kv-"));
  const demo = await startDemo({ port: await freePort(), vars, persistTo, quiet: true });
  let browser: Browser;
  try {
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      headless: true,
      // Playwright gives each launch a fresh temporary --user-data-dir. The rest keeps Chromium off the
      // network: only the demo on 127.0.0.1 is reachable here.
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    });
  } catch (err) {
    await demo.stop();
    throw err;
  }
  return {
    url: demo.url,
    browser,
    newContext: (options = {}) =>
      browser.newContext({ viewport: { width: 1000, height: 900 }, locale: "en-GB", timezoneId: "UTC", ...options }),
    async close() {
      await browser.close();
      await demo.stop();
      rmSync(persistTo, { recursive: true, force: true });
    },
  };
}

/** Fills the login form with the demo credentials and lands on the account page. */
export async function logIn(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/login`);
  await page.fill("#username", CREDENTIALS.username);
  await page.fill("#password", CREDENTIALS.password);
  await Promise.all([page.waitForURL(`${url}/account`), page.click("button[type=submit]")]);
}

export async function sessionCookie(context: BrowserContext, url: string) {
  return (await context.cookies(url)).find((cookie) => cookie.name === COOKIE_NAME);
}

export function screenshotPath(name: string): string {
  return path.join(RESULTS, `${name}.png`);
}
