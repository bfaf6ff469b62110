import { Hono } from "hono";
import { afterEach, describe, expect, it, vi } from "vitest";
import { checkSecrets } from "../src/crypto/keyring.js";
import { keyringCache } from "../src/crypto/keyring-cache.js";
import { session, SessionConfigError, sessionEngine, type SessionOptions, type SessionVariables } from "../src/index.js";
import { jar, OLD_SECRET, SECRET } from "./helpers.js";

type Bindings = { SESSION_SECRET?: string; OLD_SESSION_SECRET?: string; MY_APP_KEY?: string };

/** An app with the given secret option, run against `bindings`; what its error handler saw. */
function appWith(secret: SessionOptions<{ Bindings: Bindings }>["secret"]) {
  const app = new Hono<{ Bindings: Bindings; Variables: SessionVariables }>();
  const errors: unknown[] = [];
  app.use(session({ secret }));
  app.get("/", async (c) => c.json({ user: (await c.var.session.get("user")) ?? null }));
  app.get("/login", (c) => {
    c.var.session.set("user", "ada");
    return c.text("ok");
  });
  app.onError((error, c) => {
    errors.push(error);
    return c.text("error", 500);
  });
  return { app, errors };
}

const logged = (spy: { mock: { calls: unknown[][] } }) =>
  spy.mock.calls.map(([line]) => String(line)).filter((l) => l.startsWith("edge-session:"));

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the missing-secret message names the binding when it can", () => {
  it("the README's app, `(c) => c.env.SESSION_SECRET`, logs a line naming SESSION_SECRET", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const { app } = appWith((c) => c.env.SESSION_SECRET!);
    for (let i = 0; i < 2; i++) expect((await app.request("/", {}, {})).status).toBe(500);
    expect(logged(error)).toEqual([
      "edge-session: the current secret (env.SESSION_SECRET) is undefined: set it with `wrangler secret put SESSION_SECRET` (or in .dev.vars for wrangler dev; elsewhere the environment variable SESSION_SECRET)",
    ]);
  });

  it('reads `env["NAME"]` too, and says plainly which secret it is when the source names none', async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const bracket = appWith((c) => c.env["MY_APP_KEY"]!);
    await bracket.app.request("/", {}, {});
    expect((bracket.errors[0] as Error).message).toContain("the current secret (env.MY_APP_KEY) is undefined");
    const unnamed = appWith(() => undefined as never);
    await unnamed.app.request("/", {}, {});
    expect((unnamed.errors[0] as Error).message).toBe(
      "the current secret (the first in the list) is undefined: set it (a Worker secret: `wrangler secret put <NAME>`, or .dev.vars for wrangler dev; elsewhere the environment variable)",
    );
  });

  it("names it from `process.env.NAME` and from a bundler's renamed env object (SvelteKit's `private_env.NAME`)", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const processEnv = { env: {} as Record<string, string | undefined> };
    const node = appWith(() => processEnv.env.NODE_SESSION_SECRET!);
    await node.app.request("/", {}, {});
    expect((node.errors[0] as Error).message).toContain("the current secret (env.NODE_SESSION_SECRET) is undefined");
    const private_env = {} as Record<string, string | undefined>;
    const kit = appWith(() => private_env.KIT_SESSION_SECRET!);
    await kit.app.request("/", {}, {});
    expect((kit.errors[0] as Error).message).toContain("elsewhere the environment variable KIT_SESSION_SECRET");
  });

  it("a secret of too few different characters is said so plainly", () => {
    expect(() => checkSecrets("ab".repeat(32))).toThrow(
      /^the current secret has fewer than 8 different characters, too few for a secret; use random bytes/,
    );
  });
});

describe("removing an old secret after a rotation (the README's recipe)", () => {
  const rotation = (c: { env: Bindings }) => [c.env.SESSION_SECRET, c.env.OLD_SESSION_SECRET] as string[];

  it("an unset previous secret is skipped with one warning naming its position: the site stays up", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const { app, errors } = appWith(rotation);
    const rotating = { SESSION_SECRET: SECRET, OLD_SESSION_SECRET: OLD_SECRET };
    const j = jar();
    j.take(await app.request("/login", {}, rotating));
    for (const removed of [{ SESSION_SECRET: SECRET }, { SESSION_SECRET: SECRET, OLD_SESSION_SECRET: "" }]) {
      for (let i = 0; i < 3; i++) {
        const res = await app.request("/", { headers: j.header() }, removed);
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({ user: "ada" }); // sealed with the current secret: still open
      }
    }
    // Another engine of the same isolate (an app building its middleware per request) does not warn again.
    expect((await appWith(rotation).app.request("/", {}, { SESSION_SECRET: SECRET })).status).toBe(200);
    expect(errors).toEqual([]);
    expect(logged(warn)).toEqual([
      "edge-session: the previous secret #1 (second in the list) is empty or unset: skipped; remove it from the list once its sessions have expired",
    ]);
  });

  it("a fixed list skips an unset previous secret at start-up, and the keys are those of the secrets left", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    expect(checkSecrets([SECRET, OLD_SECRET, null as never])).toEqual([SECRET, OLD_SECRET]);
    expect(logged(warn)).toEqual([expect.stringContaining("the previous secret #2 (third in the list) is empty or unset: skipped")]);
    const request = sessionEngine({ secret: [SECRET, OLD_SECRET, undefined as never] }).start(new Headers(), undefined);
    request.session.set("user", "ada");
    expect(await request.commit()).toHaveLength(1);
    expect(logged(warn)).toHaveLength(1);
  });

  it("a previous secret that is set but weak is still a SessionConfigError, never skipped", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const { app, errors } = appWith(rotation);
    expect((await app.request("/", {}, { SESSION_SECRET: SECRET, OLD_SESSION_SECRET: "short-old" })).status).toBe(500);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(SessionConfigError);
    expect((errors[0] as Error).message).toMatch(/^previous secret #1 has 9 characters; at least 32/);
    expect(() => sessionEngine({ secret: [SECRET, 42 as never] })).toThrow(/previous secret #1 is number/);
  });

  it("the current secret stays required: unset, it fails every request with a message saying which and where to set it", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const { app, errors } = appWith(rotation);
    expect((await app.request("/", {}, { OLD_SESSION_SECRET: OLD_SECRET })).status).toBe(500);
    expect((errors[0] as Error).message).toBe(
      "the current secret (env.SESSION_SECRET) is undefined: set it with `wrangler secret put SESSION_SECRET` (or in .dev.vars for wrangler dev; elsewhere the environment variable SESSION_SECRET)",
    );
    expect(() => checkSecrets(["", OLD_SECRET])).toThrow(/^the current secret \(the first in the list\) is empty: set it/);
    expect(logged(error).join("\n")).not.toContain(OLD_SECRET);
  });
});

describe("a function secret is checked once per distinct value", () => {
  it("the same secret values give the same keyring promise, without checking or keying them again", async () => {
    const cache = keyringCache("p", "A256GCM");
    const first = cache.get([SECRET, OLD_SECRET]);
    expect(cache.get([SECRET, OLD_SECRET])).toBe(first); // a new array each request, the same strings
    const single = cache.get(SECRET);
    expect(cache.get(SECRET)).toBe(single);
    expect(single).not.toBe(first);
    expect((await single).toJSON().kids).toEqual([(await first).current.kid]);
  });

  it("keeps a few recent values, and a refused value is refused again (not remembered as good)", async () => {
    const cache = keyringCache("p", "A256GCM");
    const rings = [SECRET, OLD_SECRET, `${SECRET}-2`, `${SECRET}-3`, `${SECRET}-4`].map((s) => cache.get(s));
    await Promise.all(rings);
    expect(cache.get(`${SECRET}-4`)).toBe(rings[4]);
    await expect(cache.get("short")).rejects.toThrow(/has 5 characters/);
    await expect(cache.get("short")).rejects.toThrow(/has 5 characters/);
  });
});
