/**
 * The device list tells each session's own lifetime and whether it is bound (issues 27 and 29): `listSessions`
 * reports `lifetime`, `limits`, `expiresAt` and `bound` in every mode, through the real middleware, a real
 * DBSC registration (test/dbsc-client.ts) and the Durable Objects.
 */
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { beforeAll, describe, expect, it } from "vitest";
import { bindingEndpoints, deviceBinding, requireBinding } from "../src/dbsc/index.js";
import { linkSession, listSessions, session, type DeviceSession, type SessionVariables } from "../src/index.js";
import { DbscClient, generateKeys } from "./dbsc-client.js";
import { freshId } from "./do-helpers.js";
import { SECRET, testClock, type Data } from "./helpers.js";
import { MODES, type Clock, type Mode } from "./modes.js";

const IDLE = 3600;
const REMEMBER = { lifetime: 30 * 86400, idleTimeout: 7 * 86400 };

let keys: CryptoKeyPair;
beforeAll(async () => {
  keys = await generateKeys("ES256");
});

/** Who tells the device list about a session after its login: its revocation checks, its writes, or no one. */
function reporterOf(mode: Mode): "checks" | "writes" | "link" {
  if (mode.mode.includes("revocation")) return "checks";
  return mode.mode === "store: Durable Object" ? "writes" : "link";
}

function bankApp(mode: Mode, clock: Clock, user: string) {
  const binding = deviceBinding();
  const app = new Hono<{ Variables: SessionVariables<Data> }>();
  app.use(
    session<Data>({
      secret: SECRET,
      idleTimeout: IDLE,
      maxLifetime: REMEMBER.lifetime,
      maxIdleTimeout: REMEMBER.idleTimeout,
      now: clock.now,
      ...mode.options(clock),
    }),
  );
  app.use(bindingEndpoints(binding));
  app.post("/login", async (c) => {
    const s = await c.var.session.load();
    s.regenerate();
    s.set("user", user);
    if (c.req.query("remember")) s.setLimits(REMEMBER);
    await linkSession(env.SESSION_OBJECTS, s, user, { device: "Laptop" });
    const offer = await binding.offer(s);
    if (offer) c.header("Secure-Session-Registration", offer);
    return c.text("in");
  });
  app.use("/account/*", requireBinding(binding));
  app.get("/account/balance", async (c) => c.json({ user: (await c.var.session.get("user")) ?? null }));
  return app;
}

const noWaitUntil = () => ({
  ctx: { waitUntil: () => {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext,
  settled: async () => {},
});

async function listed(user: string): Promise<DeviceSession> {
  const sessions = await listSessions(env.SESSION_OBJECTS, user);
  expect(sessions).toHaveLength(1);
  return sessions[0]!;
}

describe.each(MODES)("the device list in mode $mode", (mode) => {
  const reporter = reporterOf(mode);

  it("a remembered session: its lifetime, its own limits, and a deadline its own idle limit sets", async () => {
    const clock = testClock();
    const user = `remembered-${freshId()}`;
    const browser = new DbscClient(bankApp(mode, clock, user), "ES256", keys, noWaitUntil);
    await browser.send("/login?remember=1", { method: "POST" });
    clock.advance(90);
    expect((await browser.send("/account/balance")).status).toBe(200);
    const device = await listed(user);
    expect(device).toMatchObject({ device: "Laptop", lifetime: REMEMBER.lifetime, limits: REMEMBER });
    expect(device.bound).toBeUndefined();
    // Seven days from its last reported use, to the second (a server-side write counts whole seconds).
    expect(Math.abs(device.expiresAt! - device.lastUsed - REMEMBER.idleTimeout * 1000)).toBeLessThanOrEqual(1000);
  });

  it("a browser-session one: lifetime 0, no limits of its own, the middleware's idle deadline", async () => {
    const clock = testClock();
    const user = `plain-${freshId()}`;
    const browser = new DbscClient(bankApp(mode, clock, user), "ES256", keys, noWaitUntil);
    await browser.send("/login", { method: "POST" });
    const device = await listed(user);
    expect(device).toMatchObject({ lifetime: 0 });
    expect(device.limits).toBeUndefined();
    expect(Math.abs(device.expiresAt! - device.lastUsed - IDLE * 1000)).toBeLessThanOrEqual(1000);
  });

  it(`bound to a device key: ${reporter === "link" ? "not known here (nothing reports after the login)" : "shown once registered"}`, async () => {
    const clock = testClock();
    const user = `bound-${freshId()}`;
    const browser = new DbscClient(bankApp(mode, clock, user), "ES256", keys, noWaitUntil);
    await browser.login();
    clock.advance(5);
    expect((await browser.register()).status).toBe(200);
    clock.advance(5);
    expect((await browser.send("/account/balance")).status).toBe(200);
    const { bound } = await listed(user);
    if (reporter === "link") expect(bound).toBeUndefined();
    else expect(bound).toEqual({ alg: "ES256", since: clock.now() - 5000 });
  });
});
