import { describe, expect, it } from "vitest";
import { REMEMBER_ME } from "../../examples/bank/src/bank-session.js";
import { DEMO_CREDENTIALS } from "../../examples/bank/src/users.js";
import { client } from "./client.js";

/** The session cookie's Set-Cookie line of a response. */
function sessionLine(res: Response): string {
  return res.headers.getSetCookie().find((line) => line.startsWith("__Host-session="))!;
}

describe("demo bank: Keep me signed in", () => {
  it("the login page offers the box", async () => {
    const html = await (await client().get("/login")).text();
    expect(html).toMatch(/<input id="remember" name="remember" type="checkbox">/);
  });

  it("ticked: a persistent cookie for this session; unticked: a browser-session cookie, as before", async () => {
    const remembered = await client().post("/login", { ...DEMO_CREDENTIALS, remember: "on" });
    expect(remembered.status).toBe(303);
    // The cookie lives until the session's first deadline (a week idle, within 30 days), moved on with each use.
    expect(sessionLine(remembered)).toContain(`; Max-Age=${REMEMBER_ME.idleTimeout};`);
    const plain = await client().post("/login", DEMO_CREDENTIALS);
    expect(plain.status).toBe(303);
    expect(sessionLine(plain)).not.toContain("Max-Age");
  });
});
