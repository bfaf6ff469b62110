/**
 * The e2e harness: the demo on wrangler dev (via scripts/start.mjs, like `npm start`) on a free loopback port
 * with its own KV directory, and Debian's Chromium driven by playwright-core. The demo's clock and the
 * browser's move together (`bank.advance`): no flow waits for time to pass.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page, type Request } from "playwright-core";
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
  /**
   * A fresh browser profile (cookie jar) per call: one "user", or one device (e.g. `{ userAgent }`). Its clock
   * (Date, performance.now, timers) is playwright's, set to the demo's: it runs on by itself like a real one,
   * and {@link Bank.advance} moves it with the demo's.
   */
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
  /** The demo's clock, ms since epoch. */
  now(): Promise<number>;
  /**
   * Lets `seconds` pass at once, for the demo (its clock, `POST /__e2e/clock`) and every open browser context
   * (`clock.fastForward`: each due timer fires once, as when a laptop wakes up). Instead of waiting for them.
   * It first lets the pages' fetches in flight finish (a status poll sent as a page loaded): a status the demo
   * counted before the jump but that its page takes after would put the deadline `seconds` late.
   */
  advance(seconds: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the demo (with `vars` overriding wrangler.toml's [vars]) and a headless Chromium. The demo runs with
 * `E2E_CLOCK=1`: its clock moves when the suite says so (examples/bank/src/e2e-clock.ts).
 */
export async function startBank(vars: Record<string, string> = {}): Promise<Bank> {
  ensureDevVars();
  mkdirSync(RESULTS, { recursive: true });
  const persistTo = mkdtempSync(path.join(tmpdir(), "edge-bank-kv-"));
  const demo = await startDemo({ port: await freePort(), vars: { ...vars, E2E_CLOCK: "1" }, persistTo, quiet: true });
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
  const clock = async (init?: RequestInit): Promise<number> => {
    const res = await fetch(`${demo.url}/__e2e/clock`, init);
    if (!res.ok) throw new Error(`the demo's clock answered ${res.status}: ${await res.text()}`);
    return ((await res.json()) as { now: number }).now;
  };
  /** The open contexts, each with a promise of the moment none of its pages' fetches is in flight. */
  const contexts = new Map<BrowserContext, () => Promise<void>>();
  return {
    url: demo.url,
    browser,
    async newContext(options = {}) {
      const context = await browser.newContext({ viewport: { width: 1000, height: 900 }, locale: "en-GB", timezoneId: "UTC", ...options });
      await context.clock.install({ time: await clock() });
      contexts.set(context, fetchesSettled(context));
      context.once("close", () => contexts.delete(context));
      return context;
    },
    now: () => clock(),
    async advance(seconds) {
      const ms = seconds * 1000;
      await Promise.all([...contexts.values()].map((settled) => settled()));
      await clock({ method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ advance: ms }) });
      for (const context of contexts.keys()) await context.clock.fastForward(ms);
    },
    async close() {
      await browser.close();
      await demo.stop();
      rmSync(persistTo, { recursive: true, force: true });
    },
  };
}

/** Resolves, each time it is called, once no fetch of the context's pages is in flight (10 s at most). */
function fetchesSettled(context: BrowserContext): () => Promise<void> {
  let inFlight = 0;
  const waiting: (() => void)[] = [];
  context.on("request", (request) => {
    if (request.resourceType() === "fetch") inFlight++;
  });
  const ended = (request: Request) => {
    if (request.resourceType() !== "fetch") return;
    inFlight--;
    if (inFlight === 0) for (const resolve of waiting.splice(0)) resolve();
  };
  context.on("requestfinished", ended);
  context.on("requestfailed", ended);
  return () =>
    inFlight === 0
      ? Promise.resolve()
      : new Promise<void>((resolve, reject) => {
          const guard = setTimeout(() => reject(new Error(`${inFlight} fetch(es) of the page still in flight after 10 s`)), 10_000);
          waiting.push(() => {
            clearTimeout(guard);
            resolve();
          });
        });
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
