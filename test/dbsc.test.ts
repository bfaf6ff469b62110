/**
 * Issue 29: DBSC, the server side. A protocol client (test/dbsc-client.ts: Web Crypto keys, jose-signed
 * proofs) runs registration, requests, expiry and refresh in every mode, then the attacks of the issue.
 */
import { Hono } from "hono";
import { beforeAll, describe, expect, it } from "vitest";
import { bindingEndpoints, deviceBinding, requireBinding, SessionBindingError, type DeviceBinding } from "../src/dbsc/index.js";
import { session, SessionConfigError, type SessionEvent, type SessionVariables } from "../src/index.js";
import { DbscClient, generateKeys, ORIGIN, signProof, type Alg } from "./dbsc-client.js";
import { executionContext, SECRET, testClock, type Data } from "./helpers.js";
import { MODES, type Clock, type Mode } from "./modes.js";

const keys: Record<string, CryptoKeyPair> = {};
beforeAll(async () => {
  for (const name of ["ES256", "RS256", "attacker", "other"]) keys[name] = await generateKeys(name === "RS256" ? "RS256" : "ES256");
});

function bankApp(mode: Mode, clock: Clock, binding: DeviceBinding = deviceBinding()) {
  const events: SessionEvent[] = [];
  const app = new Hono<{ Variables: SessionVariables<Data> }>();
  app.use(
    session<Data>({ secret: SECRET, idleTimeout: 3600, now: clock.now, onEvent: (e) => void events.push(e), ...mode.options(clock) }),
  );
  app.use(bindingEndpoints(binding));
  app.post("/login", async (c) => {
    const s = await c.var.session.load();
    s.regenerate();
    s.set("user", "ada");
    const offer = await binding.offer(s);
    if (offer) c.header("Secure-Session-Registration", offer);
    return c.text("in");
  });
  app.post("/logout", (c) => {
    c.var.session.destroy();
    return c.text("out");
  });
  app.use("/account/*", requireBinding(binding));
  app.get("/account/balance", async (c) => c.json({ user: (await c.var.session.get("user")) ?? null }));
  app.post("/transfer", requireBinding(binding, { require: true }), (c) => c.text("sent"));
  app.get("/devices", async (c) => c.json(await binding.status(c.var.session)));
  return { app, events };
}

function setup(mode: Mode, alg: Alg = "ES256", binding?: DeviceBinding) {
  const clock = testClock();
  const { app, events } = bankApp(mode, clock, binding);
  const client = (key = keys[alg]!, a = alg) => new DbscClient(app, a, key, executionContext);
  return { clock, app, events, client, user: client() };
}

/** A browser signed in and bound. */
async function bound(mode: Mode, alg: Alg = "ES256") {
  const s = setup(mode, alg);
  await s.user.login();
  expect((await s.user.register()).status).toBe(200);
  return s;
}

const reasonOf = async (res: Response) => ((await res.json()) as { reason?: string }).reason;
const refusals = (events: SessionEvent[]) => events.flatMap((e) => (e.type === "bound-refused" ? [e.reason] : []));

/** A copy of a jar's cookies: what malware exfiltrates. */
function steal(from: DbscClient, into: DbscClient, only?: (name: string) => boolean) {
  for (const [name, value] of from.jar.cookies) if (!only || only(name)) into.jar.cookies.set(name, value);
}

const isBound = (name: string) => name === "__Host-bound";

describe.each(MODES)("DBSC in $mode", (mode) => {
  it.each<Alg>(["ES256", "RS256"])("%s: offer at login, registration, bound requests, expiry and refresh with a challenge", async (alg) => {
    const { user, clock, events } = setup(mode, alg);
    await user.login();
    expect(user.offer).toMatchObject({ algorithms: ["ES256", "RS256"], path: "/dbsc/register" });
    // Registered nothing yet: it works as before, except where binding is required.
    expect((await user.send("/account/balance")).status).toBe(200);
    const unbound = await user.send("/transfer", { method: "POST" });
    expect([unbound.status, await reasonOf(unbound)]).toEqual([401, "unbound"]);

    const reg = await user.register();
    expect(reg.status).toBe(200);
    expect(reg.headers.get("Cache-Control")).toBe("no-store");
    expect(user.instructions).toEqual({
      session_identifier: expect.stringMatching(/^[\w-]{22}$/),
      refresh_url: "/dbsc/refresh",
      continue: true,
      scope: { include_site: false, scope_specification: [] },
      credentials: [{ type: "cookie", name: "__Host-bound", attributes: "Path=/; Secure; HttpOnly; SameSite=Lax" }],
    });
    expect(reg.headers.getSetCookie().find((l) => l.startsWith("__Host-bound="))).toMatch(
      /; Max-Age=300; Path=\/; Secure; HttpOnly; SameSite=Lax$/,
    );
    expect(user.challenge).toBeDefined();
    expect(await (await user.send("/devices")).json()).toEqual({ bound: true, offered: false, alg, since: clock.now() });

    expect((await user.send("/account/balance")).status).toBe(200);
    expect((await user.send("/transfer", { method: "POST" })).status).toBe(200);

    clock.advance(301); // the bound cookie is past its life (a jar that still sends it, or a browser that dropped it)
    const late = await user.send("/account/balance");
    expect([late.status, await reasonOf(late), late.headers.get("Cache-Control")]).toEqual([401, "expired", "no-store"]);
    user.jar.cookies.delete("__Host-bound");
    expect(await reasonOf(await user.send("/account/balance"))).toBe("missing");

    user.challenge = undefined; // no cached challenge: the endpoint answers 403 with one, the client signs it
    const refreshed = await user.refresh();
    expect(refreshed.status).toBe(200);
    expect((await user.send("/account/balance")).status).toBe(200);
    clock.advance(200);
    expect((await user.refresh()).status).toBe(200); // the challenge cached from the last refresh, first try
    expect((await user.send("/transfer", { method: "POST" })).status).toBe(200);

    expect(events.filter((e) => e.type.startsWith("bound")).map((e) => e.type)).toEqual([
      "bound-refused",
      "bound",
      "bound-refused",
      "bound-refused",
      "bound-refreshed",
      "bound-refreshed",
    ]);
    expect(events.find((e) => e.type === "bound")).toMatchObject({ alg, session: expect.stringMatching(/^[\w-]{22}$/) });
    expect(refusals(events)).toEqual(["unbound", "expired", "missing"]);
  });

  it("a client that never registers keeps working; only routes that require binding refuse it", async () => {
    const { user, clock } = setup(mode);
    await user.login();
    for (let i = 0; i < 3; i++) {
      clock.advance(600);
      expect(await (await user.send("/account/balance")).json()).toEqual({ user: "ada" });
    }
    expect(await reasonOf(await user.send("/transfer", { method: "POST" }))).toBe("unbound");
    expect(await (await user.send("/devices")).json()).toEqual({ bound: false, offered: true });
  });

  it("attack: a stolen bound cookie stops working at its expiry, and cannot be refreshed without the key", async () => {
    const { user, client, clock, events } = await bound(mode);
    const thief = client(keys["attacker"]);
    steal(user, thief);
    expect((await thief.send("/account/balance")).status).toBe(200); // within its few minutes: the honest limit
    clock.advance(301);
    expect(await reasonOf(await thief.send("/account/balance"))).toBe("expired");
    thief.instructions = user.instructions;
    const refresh = await thief.refresh();
    expect([refresh.status, await reasonOf(refresh)]).toEqual([401, "signature"]);
    expect(await reasonOf(await thief.send("/account/balance"))).not.toBeUndefined();
    expect(refusals(events)).toContain("signature");
  });

  it("attack: a stolen long-lived session cookie without the key gets nothing", async () => {
    const { user, client } = await bound(mode);
    const thief = client(keys["attacker"]);
    steal(user, thief, (name) => !isBound(name));
    expect(await reasonOf(await thief.send("/account/balance"))).toBe("missing");
    expect(await reasonOf(await thief.send("/transfer", { method: "POST" }))).toBe("missing");
    // Registering its own key instead: the session is bound already.
    thief.offer = user.offer;
    expect(await reasonOf(await thief.register())).toBe("already-bound");
    // A refresh: a challenge comes back, but only the device's key can answer it.
    thief.instructions = user.instructions;
    const first = await thief.send("/dbsc/refresh", {
      method: "POST",
      headers: { "Sec-Secure-Session-Id": `"${user.instructions!.session_identifier}"` },
    });
    expect(first.status).toBe(403);
    expect(first.headers.get("Secure-Session-Challenge")).toMatch(/^"[\w.-]+";id="[\w-]+"$/);
    expect(await reasonOf(await thief.refresh())).toBe("signature");
    expect(await reasonOf(await thief.send("/account/balance"))).toBe("missing");
    // A forged bound cookie (a later expiry under a made-up MAC).
    thief.jar.cookies.set("__Host-bound", `${(Date.now() / 1000 + 9999).toString(36).split(".")[0]}.AAAAAAAAAAAAAAAAAAAAAA`);
    expect(await reasonOf(await thief.send("/account/balance"))).toBe("invalid");
  });

  it("attack: a replayed refresh proof is refused", async () => {
    const { user, clock } = await bound(mode);
    const before = new Map(user.jar.cookies);
    const proof = await signProof("ES256", keys["ES256"]!, user.challenge!);
    const headers = { "Sec-Secure-Session-Id": `"${user.instructions!.session_identifier}"`, "Secure-Session-Response": `"${proof}"` };
    expect((await user.send("/dbsc/refresh", { method: "POST", headers })).status).toBe(200);
    const replay = await user.send("/dbsc/refresh", { method: "POST", headers });
    expect([replay.status, await reasonOf(replay)]).toEqual([403, "replayed"]);
    // The whole request again, its session cookie too.
    const thief = new DbscClient(user.app, "ES256", keys["attacker"]!, executionContext);
    for (const [n, v] of before) thief.jar.cookies.set(n, v);
    const whole = await thief.send("/dbsc/refresh", { method: "POST", headers });
    if (mode.mode.startsWith("store:")) expect(await reasonOf(whole)).toBe("replayed");
    else expect(whole.status).toBe(200); // the cookie carries its own state: docs/dbsc.md, honest limits
    clock.advance(121);
    for (const [n, v] of before) thief.jar.cookies.set(n, v);
    expect(await reasonOf(await thief.send("/dbsc/refresh", { method: "POST", headers }))).toBe("stale");
  });

  it("attack: a proof signed by another key, or over a tampered challenge, is refused", async () => {
    const { user } = await bound(mode);
    const id = user.instructions!.session_identifier;
    const other = await signProof("ES256", keys["other"]!, user.challenge!);
    const res = await user.send("/dbsc/refresh", {
      method: "POST",
      headers: { "Sec-Secure-Session-Id": `"${id}"`, "Secure-Session-Response": `"${other}"` },
    });
    expect([res.status, await reasonOf(res)]).toEqual([401, "signature"]);
    const bent = await signProof(
      "ES256",
      keys["ES256"]!,
      user.challenge!.replace(/^./, (c) => (c === "A" ? "B" : "A")),
    );
    const tampered = await user.send("/dbsc/refresh", {
      method: "POST",
      headers: { "Sec-Secure-Session-Id": `"${id}"`, "Secure-Session-Response": `"${bent}"` },
    });
    expect([tampered.status, await reasonOf(tampered)]).toEqual([403, "challenge"]);
    const rs = await signProof("RS256", keys["RS256"]!, user.challenge!);
    expect(
      await reasonOf(
        await user.send("/dbsc/refresh", {
          method: "POST",
          headers: { "Sec-Secure-Session-Id": `"${id}"`, "Secure-Session-Response": `"${rs}"` },
        }),
      ),
    ).toBe("signature");
  });

  it("attack: a proof for another session, and a challenge from another session, are refused", async () => {
    const { user, client } = await bound(mode);
    const bob = client(keys["other"]);
    await bob.login();
    expect((await bob.register()).status).toBe(200);
    // Ada's valid proof (her key, her challenge, her DBSC id) with Bob's cookies.
    const adaProof = await signProof("ES256", keys["ES256"]!, user.challenge!);
    const adaHeaders = {
      "Sec-Secure-Session-Id": `"${user.instructions!.session_identifier}"`,
      "Secure-Session-Response": `"${adaProof}"`,
    };
    expect(await reasonOf(await bob.send("/dbsc/refresh", { method: "POST", headers: adaHeaders }))).toBe("other-session");
    // The same, naming Bob's DBSC id: the key is not Bob's.
    const named = { ...adaHeaders, "Sec-Secure-Session-Id": `"${bob.instructions!.session_identifier}"` };
    expect(await reasonOf(await bob.send("/dbsc/refresh", { method: "POST", headers: named }))).toBe("signature");
    // Bob's key over Ada's challenge.
    const crossed = await signProof("ES256", keys["other"]!, user.challenge!);
    const res = await bob.send("/dbsc/refresh", { method: "POST", headers: { ...named, "Secure-Session-Response": `"${crossed}"` } });
    expect([res.status, await reasonOf(res)]).toEqual([403, "challenge"]);
    // Ada's bound cookie with Bob's session cookie.
    bob.jar.cookies.set("__Host-bound", user.jar.cookies.get("__Host-bound")!);
    expect(await reasonOf(await bob.send("/account/balance"))).toBe("invalid");
  });

  it("attack: tampered instructions (another session identifier, another cookie name) get no bound cookie", async () => {
    const { user, clock } = await bound(mode);
    clock.advance(301);
    user.instructions = { ...user.instructions!, session_identifier: "tampered-session-identifier" };
    const res = await user.refresh();
    expect([res.status, await reasonOf(res)]).toEqual([401, "other-session"]);
    // A bound cookie under a name the server did not give gets nothing.
    user.jar.cookies.delete("__Host-bound");
    user.jar.cookies.set("bound", "x.y");
    expect(await reasonOf(await user.send("/account/balance"))).toBe("missing");
  });

  it("an expired challenge is refused and a fresh one offered; logout ends the binding", async () => {
    const { user, clock } = await bound(mode);
    clock.advance(121);
    const stale = await signProof("ES256", keys["ES256"]!, user.challenge!);
    const id = `"${user.instructions!.session_identifier}"`;
    const res = await user.send("/dbsc/refresh", {
      method: "POST",
      headers: { "Sec-Secure-Session-Id": id, "Secure-Session-Response": `"${stale}"` },
    });
    expect([res.status, await reasonOf(res)]).toEqual([403, "stale"]);
    expect((await user.refresh()).status).toBe(200); // with the challenge that 403 carried
    await user.send("/logout", { method: "POST" });
    const after = await user.refresh();
    expect([after.status, await reasonOf(after)]).toEqual([401, "no-session"]);
    expect(after.headers.getSetCookie()).toContain("__Host-bound=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax");
  });
});

describe("DBSC registration", () => {
  const mode = MODES[0]!;
  it("refuses proofs that are not the offer's: another challenge, a stale one, another audience, another typ, alg none", async () => {
    const { user, clock, events } = setup(mode);
    await user.login();
    const es = keys["ES256"]!;
    const challenge = user.offer!.challenge;
    expect(await reasonOf(await user.register(await signProof("ES256", es, "made-up.1.x", { register: true })))).toBe("challenge");
    expect(
      await reasonOf(
        await user.register(await signProof("ES256", es, challenge, { register: true, aud: "https://evil.test/dbsc/register" })),
      ),
    ).toBe("malformed");
    expect(await reasonOf(await user.register(await signProof("ES256", es, challenge, { register: true, typ: "JWT" })))).toBe("malformed");
    const none = `${btoa(JSON.stringify({ alg: "none", typ: "dbsc+jwt" })).replace(/=/g, "")}.${btoa(JSON.stringify({ jti: challenge })).replace(/=/g, "")}.`;
    expect(await reasonOf(await user.register(none))).toBe("malformed");
    expect(await reasonOf(await user.register("not a jwt"))).toBe("malformed");
    const noProof = await user.send("/dbsc/register", { method: "POST" });
    expect([noProof.status, await reasonOf(noProof)]).toEqual([401, "no-proof"]);
    // Signed by a key other than the one the header carries.
    const [h, p] = (await signProof("ES256", keys["other"]!, challenge, { register: true })).split(".");
    const [, , sig] = (await signProof("ES256", es, challenge)).split(".");
    expect(await reasonOf(await user.register(`${h}.${p}.${sig}`))).toBe("malformed");
    // The audience, when sent (earlier Chromium), must be this endpoint.
    expect((await user.register(await signProof("ES256", es, challenge, { register: true, aud: `${ORIGIN}/dbsc/register` }))).status).toBe(
      200,
    );
    expect(refusals(events)).toEqual(["challenge", "malformed", "malformed", "malformed", "malformed", "no-proof", "malformed"]);

    const late = setup(mode);
    await late.user.login();
    late.clock.advance(121);
    expect(await reasonOf(await late.user.register())).toBe("stale");
    void clock;
  });

  it("refuses a registration nobody offered, or without a session", async () => {
    const { user, app } = setup(mode);
    const stranger = new DbscClient(app, "ES256", keys["ES256"]!, executionContext);
    stranger.offer = { algorithms: ["ES256"], path: "/dbsc/register", challenge: "x.1.y" };
    expect(await reasonOf(await stranger.register())).toBe("no-session");
    await user.send("/account/balance"); // no login
    await user.login();
    user.offer = { ...user.offer!, challenge: "x.1.y" };
    expect(await reasonOf(await user.register())).toBe("challenge");
  });

  it("offers only the algorithms configured, and nothing once bound", async () => {
    const binding = deviceBinding({ algorithms: ["RS256"] });
    const { user } = setup(mode, "RS256", binding);
    await user.login();
    expect(user.offer!.algorithms).toEqual(["RS256"]);
    expect(await reasonOf(await user.register(await signProof("ES256", keys["ES256"]!, user.offer!.challenge, { register: true })))).toBe(
      "malformed",
    );
    expect((await user.register()).status).toBe(200);
    await user.login();
    expect(user.offer).toBeUndefined();
  });

  it("requireBinding({ onRefused: 'throw' }) throws SessionBindingError; options are checked", async () => {
    const binding = deviceBinding();
    const app = new Hono<{ Variables: SessionVariables<Data> }>();
    app.use(session<Data>({ secret: SECRET }));
    app.get("/x", requireBinding(binding, { require: true, onRefused: "throw" }), (c) => c.text("x"));
    let caught: unknown;
    app.onError((error, c) => {
      caught = error;
      return c.text("refused", 401);
    });
    await app.request(`${ORIGIN}/x`);
    expect(caught).toBeInstanceOf(SessionBindingError);
    expect(caught).toMatchObject({ code: "BINDING", reason: "no-session", status: 401 });
    expect(() => deviceBinding({ cookieLifetime: 5 })).toThrow(SessionConfigError);
    expect(() => deviceBinding({ algorithms: ["none" as "ES256"] })).toThrow(SessionConfigError);
    expect(() => deviceBinding({ refreshPath: "/a", registrationPath: "/a" })).toThrow(SessionConfigError);
    expect(() => deviceBinding({ cookieLifetme: 60 } as object)).toThrow(/cookieLifetime/);
    expect(() => requireBinding(binding, { requre: true } as object)).toThrow(SessionConfigError);
  });

  it("a configured cookie lifetime is the bound cookie's Max-Age", async () => {
    const { user, clock } = setup(mode, "ES256", deviceBinding({ cookieLifetime: 60 }));
    await user.login();
    const reg = await user.register();
    expect(reg.headers.getSetCookie().find((l) => l.startsWith("__Host-bound="))).toContain("Max-Age=60;");
    clock.advance(59);
    expect((await user.send("/account/balance")).status).toBe(200);
    clock.advance(1);
    expect(await reasonOf(await user.send("/account/balance"))).toBe("expired");
  });
});
