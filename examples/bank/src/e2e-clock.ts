import { Hono } from "hono";
import type { BankEnv } from "./env.js";

/**
 * The demo's clock, and the browser suite's hold on it (test-only). Everything the demo reads time from (the
 * session middleware's `now`, so deadlines, the status endpoint and step-up age; sent transfers; statements)
 * asks {@link bankNow}: `Date.now()` plus an offset of this isolate that stays 0 unless the Worker runs with
 * `E2E_CLOCK = "1"`. The e2e harness passes that var (`--var E2E_CLOCK:1`; wrangler.toml has none) and then
 * moves this clock and Chromium's together instead of waiting for real time to pass.
 */
let offset = 0;

/** ms since epoch on the demo's clock: `Date.now()` under `npm start`. */
export function bankNow(): number {
  return Date.now() + offset;
}

/** The most one call may move the clock: a day, more than any limit the demo has. */
const MAX_ADVANCE_MS = 86_400_000;

/**
 * `GET /__e2e/clock` answers `{ now }`; `POST /__e2e/clock` with `{ "advance": ms }` moves the clock forward
 * and answers the new `{ now }`. Both are a 404 (the demo's page) unless `E2E_CLOCK` is `"1"`.
 */
export const e2eClockRoutes = new Hono<BankEnv>();

e2eClockRoutes.get("/__e2e/clock", (c) => (c.env.E2E_CLOCK === "1" ? c.json({ now: bankNow() }) : c.notFound()));

e2eClockRoutes.post("/__e2e/clock", async (c) => {
  if (c.env.E2E_CLOCK !== "1") return c.notFound();
  const body: unknown = await c.req.json().catch(() => undefined);
  const advance = typeof body === "object" && body !== null ? (body as Record<string, unknown>).advance : undefined;
  if (typeof advance !== "number" || !Number.isSafeInteger(advance) || advance < 0 || advance > MAX_ADVANCE_MS) {
    return c.json({ error: `advance must be a whole number of ms from 0 to ${MAX_ADVANCE_MS} (the clock only moves forward)` }, 400);
  }
  offset += advance;
  return c.json({ now: bankNow() });
});
