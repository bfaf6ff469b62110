import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { REMEMBER_ME } from "../../examples/bank/src/bank-session.js";
import { deviceName } from "../../examples/bank/src/device.js";
import { DEMO_CREDENTIALS } from "../../examples/bank/src/users.js";
import { linkSession, listSessions, revokeAllSessions } from "../../src/index.js";
import { freshId } from "../do-helpers.js";
import { client, loggedIn } from "./client.js";

const FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:142.0) Gecko/20100101 Firefox/142.0";
const SAFARI_IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Mobile/15E148 Safari/604.1";
const CHROME_ANDROID =
  "Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Mobile Safari/537.36";
const EDGE_MAC =
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36 Edg/140.0.0.0";

const USER = "alice";
const REVOKED_MESSAGE = "You were logged out from another device.";

/** A device: a client with its own User-Agent, logged in as the demo user. */
const device = (userAgent: string) => loggedIn({ "User-Agent": userAgent });

/** The rows of the devices table: label, whether it is this device, the id its "Log out this device" form posts. */
async function devicesOf(c: ReturnType<typeof client>) {
  const res = await c.get("/devices");
  expect(res.status).toBe(200);
  const html = await res.text();
  const rows = html.split("<tr").slice(2); // after the header row
  return rows.map((row) => ({
    device: /<td>([^<]*)/.exec(row)![1]!.trim(),
    current: row.startsWith(' class="current"') && row.includes("This device"),
    session: /name="session" value="([^"]+)"/.exec(row)?.[1],
  }));
}

/** The device's next page: the login page (and what it says), or the page it asked for. */
async function nextPage(c: ReturnType<typeof client>) {
  const res = await c.get("/account");
  if (res.headers.get("Location") !== "/login") return { loggedIn: res.status === 200, alert: undefined };
  const login = await (await c.get("/login")).text();
  return { loggedIn: false, alert: /role="alert" id="expired">([^<]*)</.exec(login)?.[1] };
}

describe("demo bank: your devices", () => {
  beforeEach(async () => {
    await revokeAllSessions(env.SESSION_OBJECTS, USER); // each test starts with no devices logged in
  });

  it("labels devices from the User-Agent with a few fixed words", () => {
    expect(deviceName(FIREFOX_WINDOWS)).toBe("Firefox on Windows");
    expect(deviceName(SAFARI_IPHONE)).toBe("Safari on iPhone");
    expect(deviceName(CHROME_ANDROID)).toBe("Chrome on Android");
    expect(deviceName(EDGE_MAC)).toBe("Edge on macOS");
    expect(
      deviceName("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/140.0.0.0 Safari/537.36"),
    ).toBe("Chrome on Linux");
    expect(deviceName("curl/8.14.1")).toBe("Unknown device");
    expect(deviceName(undefined)).toBe("Unknown device");
    expect(deviceName("<script>alert(1)</script> (Linux)")).toBe("Unknown browser on Linux"); // never the header itself
    expect(deviceName(`${"x".repeat(600)} Firefox/142.0`)).toBe("Unknown device"); // only the first 512 characters are read
  });

  it("tells how long each device stays signed in: remembered until its deadline, or until the browser closes", async () => {
    const remembered = client({ "User-Agent": FIREFOX_WINDOWS });
    expect((await remembered.post("/login", { ...DEMO_CREDENTIALS, remember: "on" })).status).toBe(303);
    expect((await remembered.get("/account")).status).toBe(200); // its revocation check reports it, to the ms
    const plain = await device(SAFARI_IPHONE);
    const [seen] = (await listSessions(env.SESSION_OBJECTS, USER)).filter((d) => d.device === "Firefox on Windows");
    const kept = (await (await plain.get("/devices")).text())
      .split("<tr")
      .slice(2)
      .map((row) => /class="kept">(.*?)<\/td>/.exec(row)?.[1]);
    const until = new Date(seen!.expiresAt!);
    expect(seen!.expiresAt! - seen!.lastUsed).toBe(REMEMBER_ME.idleTimeout * 1000); // a week idle: the demo's remember-me
    expect(kept).toEqual([
      "Until the browser closes; signed out after 5 minutes idle",
      `Remembered until <time datetime="${until.toISOString()}">${until.toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" })}, ${until.toISOString().slice(11, 16)} UTC</time>; signed out after 7 days idle`,
    ]);
  });

  it("sends visitors without a session to the login page", async () => {
    expect((await client().get("/devices")).headers.get("Location")).toBe("/login");
  });

  it("lists every device logged in to the account, marks this one, and offers to log out the others", async () => {
    const laptop = await device(FIREFOX_WINDOWS);
    const phone = await device(SAFARI_IPHONE);
    const linked = await listSessions(env.SESSION_OBJECTS, USER);
    expect(linked.map((d) => d.device).sort()).toEqual(["Firefox on Windows", "Safari on iPhone"]);
    const phoneId = linked.find((d) => d.device === "Safari on iPhone")!.id;

    // This device first, then the others.
    expect(await devicesOf(laptop)).toEqual([
      { device: "Firefox on Windows", current: true, session: undefined },
      { device: "Safari on iPhone", current: false, session: phoneId },
    ]);
    expect((await devicesOf(phone))[0]).toEqual({ device: "Safari on iPhone", current: true, session: undefined });
  });

  it('"Log out this device": the other device\'s next page is the login page saying why; this one stays', async () => {
    const laptop = await device(FIREFOX_WINDOWS);
    const phone = await device(SAFARI_IPHONE);
    const tablet = await device(CHROME_ANDROID);
    const phoneRow = (await devicesOf(laptop)).find((row) => row.device === "Safari on iPhone")!;

    const res = await laptop.post("/devices/log-out", { session: phoneRow.session! });
    expect(res.headers.get("Location")).toBe("/devices");
    expect(await (await laptop.get("/devices")).text()).toContain("Logged out Safari on iPhone.");

    expect(await nextPage(phone)).toEqual({ loggedIn: false, alert: REVOKED_MESSAGE });
    expect(phone.cookies.value).toBeUndefined();
    expect(await nextPage(laptop)).toEqual({ loggedIn: true, alert: undefined });
    expect(await nextPage(tablet)).toEqual({ loggedIn: true, alert: undefined });
    expect((await devicesOf(laptop)).map((row) => row.device).sort()).toEqual(["Chrome on Android", "Firefox on Windows"]);
  });

  it('"Log out all other devices" leaves exactly the current session', async () => {
    const others = [await device(SAFARI_IPHONE), await device(CHROME_ANDROID), await device(EDGE_MAC)];
    const laptop = await device(FIREFOX_WINDOWS);

    const res = await laptop.post("/devices/log-out-others", {});
    expect(res.headers.get("Location")).toBe("/devices");
    const page = await (await laptop.get("/devices")).text();
    expect(page).toContain("Logged out 3 other devices.");
    expect(page).toMatch(/<button type="submit" id="log-out-others" disabled>/);

    expect(await listSessions(env.SESSION_OBJECTS, USER)).toEqual([expect.objectContaining({ device: "Firefox on Windows" })]);
    expect(await devicesOf(laptop)).toEqual([{ device: "Firefox on Windows", current: true, session: undefined }]);
    for (const other of others) expect(await nextPage(other)).toEqual({ loggedIn: false, alert: REVOKED_MESSAGE });
    expect(await nextPage(laptop)).toEqual({ loggedIn: true, alert: undefined });
  });

  it("tells a revoked device why when its countdown notices first", async () => {
    const phone = await device(SAFARI_IPHONE);
    const laptop = await device(FIREFOX_WINDOWS);
    await laptop.post("/devices/log-out-others", {});
    expect(await (await phone.get("/session/status")).json()).toEqual({ active: false, idleSecondsLeft: null, secondsLeft: null });
    expect(await (await phone.get("/login")).text()).toContain(REVOKED_MESSAGE);
  });

  it("ends only another session of this user: not this device's own, not another user's", async () => {
    const laptop = await device(FIREFOX_WINDOWS);
    const own = (await listSessions(env.SESSION_OBJECTS, USER))[0]!;
    const stranger = { id: freshId(), meta: { id: "", created: Date.now(), lastUsed: Date.now(), lifetime: 0 }, secondsLeft: () => 300 };
    const bob = `bob-${freshId()}`;
    await linkSession(env.SESSION_OBJECTS, stranger, bob, { device: "Bob's phone" });

    for (const session of [own.id, stranger.id, "not-a-session"]) {
      expect((await laptop.post("/devices/log-out", { session })).headers.get("Location")).toBe("/devices");
      expect(await (await laptop.get("/devices")).text()).toContain("That device was already logged out.");
    }
    expect(await nextPage(laptop)).toEqual({ loggedIn: true, alert: undefined });
    expect(await listSessions(env.SESSION_OBJECTS, bob)).toEqual([expect.objectContaining({ id: stranger.id })]);
  });

  it("refuses cross-site posts to the device forms (CSRF): nothing is logged out", async () => {
    const phone = await device(SAFARI_IPHONE);
    const laptop = await device(FIREFOX_WINDOWS);
    const phoneRow = (await devicesOf(laptop)).find((row) => row.device === "Safari on iPhone")!;
    const attempts: Record<string, string>[] = [{ Origin: "https://evil.example" }, { "Sec-Fetch-Site": "cross-site" }, {}];
    for (const headers of attempts) {
      for (const [path, form] of [
        ["/devices/log-out", { session: phoneRow.session! }],
        ["/devices/log-out-others", {}],
      ] as const) {
        const res = await laptop.post(path, form, headers);
        expect(res.status, `${path} ${JSON.stringify(headers)}`).toBe(403);
        expect(await res.text()).toContain("CSRF");
      }
    }
    expect(await listSessions(env.SESSION_OBJECTS, USER)).toHaveLength(2);
    expect(await nextPage(phone)).toEqual({ loggedIn: true, alert: undefined });
  });
});
