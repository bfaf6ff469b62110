/**
 * Issue 29 in the demo: the login offers DBSC binding; once a (test) browser registers, the account's pages need
 * the bound cookie, and the devices page says the session is bound. A browser that never registers is unaffected
 * (the rest of test/bank).
 */
import { describe, expect, it } from "vitest";
import app from "../../examples/bank/src/index.js";
import { DEMO_CREDENTIALS } from "../../examples/bank/src/users.js";
import { generateKeys, signProof } from "../dbsc-client.js";
import { bindings, client, ORIGIN } from "./client.js";

describe("demo bank: DBSC", () => {
  it("offers binding at login; a bound session's pages need the bound cookie; the devices page shows it bound", async () => {
    const keys = await generateKeys("ES256");
    const c = client();
    const login = await c.post("/login", DEMO_CREDENTIALS);
    const offer = /^\(ES256 RS256\);path="\/dbsc\/register";challenge="([^"]+)"$/.exec(
      login.headers.get("Secure-Session-Registration") ?? "",
    );
    expect(offer).not.toBeNull();
    const proof = await signProof("ES256", keys, offer![1]!, { register: true });
    const reg = await c.send("/dbsc/register", { method: "POST", headers: { Origin: ORIGIN, "Secure-Session-Response": `"${proof}"` } });
    expect(reg.status).toBe(200);
    const bound = reg.headers.getSetCookie().find((l) => l.startsWith("__Host-bound="))!;
    const boundPair = bound.slice(0, bound.indexOf(";"));

    // The session cookie alone (what a thief copied): refused, never cached.
    const stolen = await c.get("/account");
    expect([stolen.status, stolen.headers.get("Cache-Control")]).toEqual([401, "no-store"]);
    expect(await stolen.text()).toContain("bound to another device");

    const withBound = (path: string) =>
      app.request(path, { headers: { Cookie: `__Host-session=${c.cookies.value}; ${boundPair}` } }, bindings);
    expect((await withBound("/account")).status).toBe(200);
    expect(await (await withBound("/devices")).text()).toContain("Bound to this device's key (ES256)");

    // Another device of the same user sees it bound too (its revocation checks report it), and itself not.
    const other = client({
      "User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) Version/18.6 Mobile/15E148 Safari/604.1",
    });
    expect((await other.post("/login", DEMO_CREDENTIALS)).status).toBe(303);
    const rows = (await (await other.get("/devices")).text()).split("<tr").slice(2);
    expect(rows.map((row) => row.includes("Bound to this device's key (ES256)"))).toEqual([false, true]);
  });
});
