import { describe, expect, it } from "vitest";
import { STEP_UP_THRESHOLD } from "../../examples/bank/src/transfer.js";
import { DEMO_CREDENTIALS } from "../../examples/bank/src/users.js";
import { createKeyring, sealSession, unsealSession } from "../../src/index.js";
import { SECRET } from "../helpers.js";
import { loggedIn } from "./client.js";

const PAYEE = { payee: "Bob", iban: "DE89 3704 0044 0532 0130 00", reference: "Car" };

/**
 * Makes the session's last password check `seconds` older (or unknown), as if that much time had passed since
 * the login: the test plays the server, which holds the key. The demo's clock is the real one.
 */
async function authenticatedEarlier(c: Awaited<ReturnType<typeof loggedIn>>, seconds: number | "never") {
  const keys = await createKeyring(SECRET, { purpose: "__Host-session" }); // the cookie name, the default purpose
  const opened = await unsealSession(c.cookies.value!, keys);
  if (!opened.ok) throw new Error(`the demo's cookie did not open: ${opened.reason}`);
  const { authenticatedAt, ...meta } = opened.meta;
  expect(authenticatedAt).toBeDefined(); // login authenticated
  const older = seconds === "never" ? meta : { ...meta, authenticatedAt: authenticatedAt! - seconds * 1000 };
  c.cookies.value = await sealSession({ data: opened.data, meta: older, flash: opened.flash }, keys);
}

async function balanceOf(c: Awaited<ReturnType<typeof loggedIn>>): Promise<string> {
  return /id="balance">([^<]+)</.exec(await (await c.get("/account")).text())![1]!;
}

describe("demo bank: step-up before a large transfer", () => {
  it("asks for the password again once the last one is older than STEP_UP_MAX_AGE; a wrong one sends nothing, the right one sends it", async () => {
    const c = await loggedIn();
    await authenticatedEarlier(c, 120);
    expect((await c.post("/transfer", { ...PAYEE, amount: "1500" })).headers.get("Location")).toBe("/transfer/review");
    expect(await (await c.get("/transfer/review")).text()).toContain("need your password again");

    const send = await c.post("/transfer/send", {});
    expect(send.headers.get("Location")).toBe("/transfer/confirm");
    const confirm = await (await c.get("/transfer/confirm")).text();
    expect(confirm).toContain("Confirm it's you");
    expect(confirm).toContain("€1,500.00");

    const wrong = await c.post("/transfer/confirm", { password: "not-the-password" });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain("Wrong password. The transfer was not sent.");
    expect(await balanceOf(c)).toBe("€12,345.67");
    expect((await c.post("/transfer/send", {})).headers.get("Location")).toBe("/transfer/confirm"); // still stale

    const right = await c.post("/transfer/confirm", { password: DEMO_CREDENTIALS.password });
    expect(right.headers.get("Location")).toBe("/account");
    const account = await (await c.get("/account")).text();
    expect(account).toContain("Transfer sent: €1,500.00 to Bob.");
    expect(account).toContain("€10,845.67");
    // Sent once: the draft is gone.
    expect((await c.post("/transfer/confirm", { password: DEMO_CREDENTIALS.password })).headers.get("Location")).toBe("/transfer");
    expect(await balanceOf(c)).toBe("€10,845.67");

    // The confirmation was a step-up: the next large transfer within STEP_UP_MAX_AGE goes through.
    await c.post("/transfer", { ...PAYEE, amount: "2000" });
    expect(await (await c.get("/transfer/review")).text()).not.toContain("need your password again");
    expect((await c.post("/transfer/send", {})).headers.get("Location")).toBe("/account");
    expect(await balanceOf(c)).toBe("€8,845.67");
  });

  it("never asks for a transfer up to the threshold, however old the password", async () => {
    const c = await loggedIn();
    await authenticatedEarlier(c, 3000);
    await c.post("/transfer", { ...PAYEE, amount: String(STEP_UP_THRESHOLD / 100) });
    expect(await (await c.get("/transfer/review")).text()).not.toContain("need your password again");
    expect((await c.post("/transfer/send", {})).headers.get("Location")).toBe("/account");
    expect(await balanceOf(c)).toBe("€11,345.67");
    // One cent more asks.
    await c.post("/transfer", { ...PAYEE, amount: "1000.01" });
    expect((await c.post("/transfer/send", {})).headers.get("Location")).toBe("/transfer/confirm");
  });

  it("needs no new password right after login: logging in authenticated", async () => {
    const c = await loggedIn();
    await c.post("/transfer", { ...PAYEE, amount: "1500" });
    expect((await c.post("/transfer/send", {})).headers.get("Location")).toBe("/account");
    expect(await balanceOf(c)).toBe("€10,845.67");
  });

  it("asks when the session has no authentication time at all (sealed before login recorded one)", async () => {
    const c = await loggedIn();
    await authenticatedEarlier(c, "never");
    await c.post("/transfer", { ...PAYEE, amount: "1500" });
    expect((await c.post("/transfer/send", {})).headers.get("Location")).toBe("/transfer/confirm");
  });

  it("asks again when an older copy of the cookie is replayed after a confirmation: the time is sealed in the copy", async () => {
    const c = await loggedIn();
    await authenticatedEarlier(c, 120);
    await c.post("/transfer", { ...PAYEE, amount: "1500" });
    const beforeConfirming = c.cookies.value!;
    await c.post("/transfer/confirm", { password: DEMO_CREDENTIALS.password });
    c.cookies.value = beforeConfirming; // the draft is back in this copy, with the stale authentication time
    expect((await c.post("/transfer/send", {})).headers.get("Location")).toBe("/transfer/confirm");
  });

  it("sends nothing from the confirm page without a valid draft", async () => {
    const c = await loggedIn();
    expect((await c.get("/transfer/confirm")).headers.get("Location")).toBe("/transfer");
    expect((await c.post("/transfer/confirm", { password: DEMO_CREDENTIALS.password })).headers.get("Location")).toBe("/transfer");
    expect(await balanceOf(c)).toBe("€12,345.67");
  });
});
