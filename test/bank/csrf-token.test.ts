/**
 * The demo's forms carry the session's CSRF token: a same-origin post without it, or with a token of another
 * session (an earlier login, another user), is refused with "Request refused" and changes nothing.
 */
import { describe, expect, it } from "vitest";
import { DEMO_CREDENTIALS } from "../../examples/bank/src/users.js";
import { loggedIn, ORIGIN } from "./client.js";

const FORM = { payee: "Mallory", iban: "DE89370400440532013000", amount: "100", reference: "" };
const tokenIn = (page: string) => /name="_csrf" value="([\w-]+)"/.exec(page)?.[1];

describe("demo bank: CSRF tokens on the signed-in forms", () => {
  it("every form of the transfer, statement and devices pages carries a token, masked afresh per page", async () => {
    const c = await loggedIn();
    const pages = await Promise.all(["/transfer", "/statement", "/devices"].map(async (path) => (await c.get(path)).text()));
    const tokens = pages.map(tokenIn);
    for (const token of tokens) expect(token).toMatch(/^[\w-]{86}$/);
    expect(new Set(tokens).size).toBe(3);
  });

  it("the page's own token sends the form", async () => {
    const c = await loggedIn();
    const token = tokenIn(await (await c.get("/transfer")).text())!;
    const res = await c.post("/transfer", { ...FORM, _csrf: token });
    expect([res.status, res.headers.get("Location")]).toEqual([303, "/transfer/review"]);
  });

  it("a same-origin post without the token, or with another session's, is refused and changes nothing", async () => {
    const [c, other] = [await loggedIn(), await loggedIn()];
    const before = c.cookies.value;
    const foreign = tokenIn(await (await other.get("/transfer")).text())!;
    for (const form of [
      { ...FORM, _csrf: "" },
      { ...FORM, _csrf: foreign },
    ]) {
      const res = await c.post("/transfer", form, { Origin: ORIGIN });
      expect(res.status).toBe(403);
      expect(res.headers.get("Cache-Control")).toBe("no-store");
      expect(await res.text()).toContain("not sent from a page of your current session");
      expect(res.headers.get("Set-Cookie")).toBeNull();
    }
    expect(c.cookies.value).toBe(before);
    expect(await (await c.get("/transfer")).text()).not.toContain("Mallory");
  });

  it("a token from a page shown before logging in again no longer sends anything", async () => {
    const c = await loggedIn();
    const old = tokenIn(await (await c.get("/devices")).text())!;
    expect((await c.post("/login", DEMO_CREDENTIALS)).status).toBe(303); // a new session id
    expect((await c.post("/devices/log-out-others", { _csrf: old })).status).toBe(403);
    expect((await c.post("/devices/log-out-others", {})).status).toBe(303); // the new page's token
  });

  it("logout needs no token (the idle warning's logout must always work); Hono's csrf() still guards it", async () => {
    const c = await loggedIn();
    expect((await c.post("/logout", { _csrf: "" })).status).toBe(303);
  });
});
