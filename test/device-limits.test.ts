import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { linkSession, listSessions } from "../src/durable-object/users.js";
import {
  newSessionId,
  session,
  SessionConfigError,
  SessionDeviceLimitError,
  SessionStoreError,
  type SessionVariables,
} from "../src/index.js";
import { freshId, sessionStub } from "./do-helpers.js";
import { jar, SECRET, type Data } from "./helpers.js";

const namespace = env.SESSION_OBJECTS;

/** Cookie mode with revocation checks: login links the session under a device limit given per request. */
function limitedApp() {
  const app = new Hono<{ Variables: SessionVariables<Data> }>();
  app.use(session<Data>({ secret: SECRET, idleTimeout: 600, revocation: { namespace } }));
  app.post("/login/:user/:policy", async (c) => {
    const s = await c.var.session.load();
    s.regenerate();
    s.set("user", c.req.param("user"));
    const policy = c.req.param("policy") as "end-oldest" | "refuse";
    try {
      await linkSession(namespace, s, c.req.param("user"), { maxSessions: 3, policy });
    } catch (error) {
      if (error instanceof SessionDeviceLimitError) {
        s.destroy();
        return c.json({ refused: error.code }, 409);
      }
      throw error;
    }
    return c.json({ id: s.id });
  });
  app.get("/me", async (c) => {
    const s = await c.var.session.load();
    return c.json({ user: (await s.get("user")) ?? null, invalid: s.invalid ?? null });
  });
  return app;
}

async function login(app: Hono<any>, user: string, policy: "end-oldest" | "refuse") {
  const j = jar();
  const res = await app.request(`/login/${user}/${policy}`, { method: "POST" });
  j.take(res);
  return { j, status: res.status, body: (await res.json()) as { id?: string; refused?: string } };
}

const me = async (app: Hono<any>, j: ReturnType<typeof jar>) =>
  (await (await app.request("/me", { headers: j.header() })).json()) as { user: string | null; invalid: string | null };

/** A loaded session as linkSession reads it, without a request. */
function fakeSession() {
  const now = Date.now();
  return { id: newSessionId(), meta: { id: "", created: now, lastUsed: now, lifetime: 0 }, secondsLeft: () => 600 };
}

describe("linkSession device limits", () => {
  it('"end-oldest": a fourth login ends the oldest session; the other three stay', async () => {
    const app = limitedApp();
    const user = `lim-${freshId()}`;
    const logins = [];
    for (let i = 0; i < 4; i++) logins.push(await login(app, user, "end-oldest"));
    expect(await me(app, logins[0]!.j)).toEqual({ user: null, invalid: "revoked" });
    for (const { j } of logins.slice(1)) expect((await me(app, j)).user).toBe(user);
    expect((await listSessions(namespace, user)).map((s) => s.id).sort()).toEqual(
      logins
        .slice(1)
        .map((l) => l.body.id)
        .sort(),
    );
  });

  it('"refuse": a fourth login throws SessionDeviceLimitError and links nothing; a freed place lets it in', async () => {
    const app = limitedApp();
    const user = `ref-${freshId()}`;
    const logins = [];
    for (let i = 0; i < 3; i++) logins.push(await login(app, user, "refuse"));
    const fourth = await login(app, user, "refuse");
    expect(fourth).toMatchObject({ status: 409, body: { refused: "DEVICE_LIMIT" } });
    expect(await listSessions(namespace, user)).toHaveLength(3);
    for (const { j } of logins) expect((await me(app, j)).user).toBe(user);
    // A session that ended no longer counts.
    const { revokeSession } = await import("../src/durable-object/users.js");
    await revokeSession(namespace, logins[0]!.body.id!);
    expect((await login(app, user, "refuse")).status).toBe(200);
  });

  it.each(["end-oldest", "refuse"] as const)("%s: of 10 concurrent logins no more than 3 survive", async (policy) => {
    const user = `conc-${policy}-${freshId()}`;
    const sessions = Array.from({ length: 10 }, fakeSession);
    const results = await Promise.allSettled(sessions.map((s) => linkSession(namespace, s, user, { maxSessions: 3, policy })));
    const listed = await listSessions(namespace, user);
    expect(listed).toHaveLength(3);
    // Every session not listed is revoked or was never linked: none survives outside the limit.
    const checks = await Promise.all(sessions.map((s) => sessionStub(s.id).check()));
    const alive = sessions.filter((_, i) => !checks[i]!.revoked && checks[i]!.linked).map((s) => s.id);
    expect(alive.sort()).toEqual(listed.map((l) => l.id).sort());
    if (policy === "refuse") {
      expect(results.filter((r) => r.status === "fulfilled" && r.value === true)).toHaveLength(3);
      const refused = results.filter((r) => r.status === "rejected");
      expect(refused).toHaveLength(7);
      for (const r of refused) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(SessionDeviceLimitError);
    } else {
      expect(results.every((r) => r.status === "fulfilled")).toBe(true);
    }
  });

  it('"end-oldest" whose revocation of the oldest fails: the login fails typed, the oldest stays listed (never live and unlisted), the next login ends it', async () => {
    const user = `fail-${freshId()}`;
    const [oldest, ...others] = [fakeSession(), fakeSession(), fakeSession()];
    for (const s of [oldest!, ...others]) await linkSession(namespace, s, user, { maxSessions: 3 });
    // The oldest session's object cannot be reached while the fourth login runs.
    const broken = {
      getByName(name: string) {
        const stub = namespace.getByName(name);
        if (name !== `s:${oldest!.id}`) return stub;
        return new Proxy(stub, {
          get: (target, method: string) =>
            method === "revoke" ? () => Promise.reject(new Error("object reset")) : (target as never)[method],
        });
      },
    } as unknown as typeof namespace;
    const fourth = fakeSession();
    await expect(linkSession(broken, fourth, user, { maxSessions: 3 })).rejects.toThrow(SessionStoreError);
    const listed = (await listSessions(namespace, user)).map((s) => s.id).sort();
    expect(listed).toEqual([oldest!, ...others].map((s) => s.id).sort());
    expect((await sessionStub(oldest!.id).check()).revoked).toBe(false);
    expect((await sessionStub(fourth.id).check()).linked).toBe(false);
    // The next login retries the revocation first.
    const fifth = fakeSession();
    expect(await linkSession(namespace, fifth, user, { maxSessions: 3 })).toBe(true);
    expect((await sessionStub(oldest!.id).check()).revoked).toBe(true);
    expect((await listSessions(namespace, user)).map((s) => s.id).sort()).toEqual([...others, fifth].map((s) => s.id).sort());
  });

  it("re-linking a session already linked does not count it twice", async () => {
    const user = `relink-${freshId()}`;
    const s = fakeSession();
    const others = [fakeSession(), fakeSession()];
    for (const o of others) await linkSession(namespace, o, user, { maxSessions: 3, policy: "refuse" });
    await linkSession(namespace, s, user, { maxSessions: 3, policy: "refuse" });
    await expect(linkSession(namespace, s, user, { maxSessions: 3, policy: "refuse" })).resolves.toBe(true);
    expect(await listSessions(namespace, user)).toHaveLength(3);
  });

  it.each([
    ["maxSessions 0", { maxSessions: 0 }],
    ["maxSessions 1.5", { maxSessions: 1.5 }],
    ["maxSessions as a string", { maxSessions: "3" }],
    ["an unknown policy", { maxSessions: 3, policy: "newest" }],
    ["a policy without maxSessions", { policy: "refuse" }],
  ])("%s is a configuration error", async (_what, options) => {
    await expect(linkSession(namespace, fakeSession(), `cfg-${freshId()}`, options as never)).rejects.toThrow(SessionConfigError);
  });
});
