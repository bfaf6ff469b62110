import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { bankNow } from "../../examples/bank/src/e2e-clock.js";
import { bindings, client, loggedIn } from "./client.js";

/** The Worker as the browser suite starts it (`--var E2E_CLOCK:1`). */
const clockOn = { ...bindings, E2E_CLOCK: "1" };

type Client = ReturnType<typeof client>;

/** POST /__e2e/clock with `body` as JSON (a string: sent as it is). */
function advance(c: Client, body: unknown): Promise<Response> {
  return c.send("/__e2e/clock", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

async function clockOf(c: Client): Promise<number> {
  const res = await c.get("/__e2e/clock");
  expect(res.status).toBe(200);
  return ((await res.json()) as { now: number }).now;
}

async function idleSecondsLeft(c: Client): Promise<number> {
  return ((await (await c.get("/session/status")).json()) as { idleSecondsLeft: number }).idleSecondsLeft;
}

describe("demo bank: the browser suite's clock (E2E_CLOCK)", () => {
  it("does not exist under wrangler.toml's vars, nor with E2E_CLOCK other than \"1\": the demo's 404 page", async () => {
    expect("E2E_CLOCK" in env).toBe(false);
    for (const vars of [bindings, { ...bindings, E2E_CLOCK: "0" }, { ...bindings, E2E_CLOCK: "true" }, { ...bindings, E2E_CLOCK: "" }]) {
      const c = client({}, vars);
      for (const res of [await c.get("/__e2e/clock"), await advance(c, { advance: 1000 })]) {
        expect(res.status).toBe(404);
        expect(await res.text()).toContain("Page not found");
      }
    }
  });

  it("refuses an advance that is not a whole number of ms from 0 to a day, and leaves the clock alone", async () => {
    const c = client({}, clockOn);
    for (const body of [{ advance: -1 }, { advance: 1.5 }, { advance: "1000" }, { advance: 86_400_001 }, {}, [], null, "not json"]) {
      const res = await advance(c, body);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: "advance must be a whole number of ms from 0 to 86400000 (the clock only moves forward)" });
    }
    expect(bankNow() - Date.now()).toBe(0); // this file's isolate: no other test moved it yet
  });

  it("moves the session middleware's clock: the status counts down, and past IDLE_TIMEOUT the login page says why", async () => {
    const c = await loggedIn({}, clockOn);
    const offset = bankNow() - Date.now();
    const before = await idleSecondsLeft(c);
    const moved = await advance(c, { advance: 100_000 });
    expect(moved.status).toBe(200);
    expect(bankNow() - Date.now()).toBe(offset + 100_000);
    const { now } = (await moved.json()) as { now: number };
    expect(Math.abs(now - bankNow())).toBeLessThan(5000); // POST and GET answer the moved clock
    expect(Math.abs((await clockOf(c)) - bankNow())).toBeLessThan(5000);
    // 100 s less (plus the real time these requests took, and whole-second rounding).
    const after = await idleSecondsLeft(c);
    expect(before - after).toBeGreaterThanOrEqual(100);
    expect(before - after).toBeLessThanOrEqual(110);

    await advance(c, { advance: 201_000 });
    const account = await c.get("/account");
    expect(account.headers.get("Location")).toBe("/login");
    expect(await (await c.get("/login")).text()).toContain("You were logged out after 5 minutes of inactivity.");
  });
});
