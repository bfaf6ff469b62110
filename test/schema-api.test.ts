/**
 * The schema through every entry point: the data type inferred from the schema (type tests, checked by tsc),
 * the engine's laziness, option checks, and the token functions with a schema.
 */
import { Hono } from "hono";
import * as v from "valibot";
import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import {
  createKeyring,
  newSessionId,
  sealSession,
  session,
  sessionEngine,
  SessionConfigError,
  SessionSchemaError,
  unsealSession,
  withSession,
  type SchemaData,
  type Session,
} from "../src/index.js";
import { sessionEngine as cookieEngine } from "../src/cookie/index.js";
import { openSetCookie, sessionCookie } from "../src/testing/index.js";
import { SECRET, testClock } from "./helpers.js";
import { counted } from "./schema-cases.js";
import { BINDING_KEY } from "../src/core/schema.js";

const schema = z.object({ user: z.object({ name: z.string() }).optional(), cart: z.array(z.string()).optional() });
type Data = { user?: { name: string } | undefined; cart?: string[] | undefined };
type User = { name: string } | undefined;

describe("types inferred from the schema", () => {
  it("reach c.var.session.get() through the Hono middleware, without a generic", async () => {
    const app = new Hono().use(session({ secret: SECRET, schema })).get("/", async (c) => {
      expectTypeOf(c.var.session).toEqualTypeOf<Session<Data>>();
      expectTypeOf(await c.var.session.get("user")).toEqualTypeOf<User>();
      // @ts-expect-error not a key of the schema
      await c.var.session.get("nope");
      // @ts-expect-error the schema says a string
      c.var.session.set("user", { name: 1 });
      c.var.session.set("user", { name: "ada" });
      return c.text("ok");
    });
    expect((await app.request("/")).status).toBe(200);
  });

  it("reach sessionEngine (both entry points) and withSession", async () => {
    const engine = sessionEngine({ secret: SECRET, schema });
    expectTypeOf(engine.start(new Headers(), undefined).session).toEqualTypeOf<Session<Data>>();
    const cookieOnly = cookieEngine({ secret: SECRET, schema: v.object({ n: v.number() }) });
    expectTypeOf(await cookieOnly.start(new Headers(), undefined).session.get("n")).toEqualTypeOf<number | undefined>();
    const res = await withSession(engine, new Request("https://example.com/"), undefined, async (s) => {
      expectTypeOf(await s.get("cart")).toEqualTypeOf<string[] | undefined>();
      return new Response("ok");
    });
    expect(res.status).toBe(200);
    expectTypeOf<SchemaData<typeof schema>>().toEqualTypeOf<Data>();
    // Without a schema, the generic names the data as before.
    expectTypeOf(sessionEngine<{ n: number }>({ secret: SECRET }).start(new Headers(), undefined).session).toEqualTypeOf<
      Session<{ n: number }>
    >();
  });

  it("reach sealSession/unsealSession and the testing kit; each validates", async () => {
    const keys = await createKeyring(SECRET);
    const now = Date.UTC(2026, 0, 1);
    const meta = { id: newSessionId(), created: now, lastUsed: now, lifetime: 0 };
    const token = await sealSession({ data: { user: { name: "ada" } }, meta }, keys, { schema });
    // @ts-expect-error the schema says a string
    await expect(sealSession({ data: { user: { name: 1 } }, meta }, keys, { schema })).rejects.toThrow(SessionSchemaError);
    const opened = await unsealSession(token, keys, { schema, now });
    if (opened.ok) expectTypeOf(opened.data).toEqualTypeOf<Data>();
    expect(opened.ok && opened.data.user?.name).toBe("ada");
    const other = await sealSession({ data: { user: "ada" }, meta }, keys);
    expect(await unsealSession(other, keys, { schema, now })).toEqual({ ok: false, reason: "schema" });

    const options = { secret: SECRET, schema };
    const cookie = await sessionCookie({ ...options, data: { user: { name: "ada" } } });
    await expect(sessionCookie({ ...options, data: { user: 1 } })).rejects.toThrow(SessionSchemaError);
    const app = new Hono().use(session(options)).post("/", async (c) => {
      c.var.session.set("cart", ["tea"]);
      return c.text("ok");
    });
    const set = await openSetCookie(await app.request("/", { method: "POST", headers: { Cookie: cookie } }), options);
    if (set.state === "set") expectTypeOf(set.data).toEqualTypeOf<Partial<Data>>();
    expect(set.state === "set" && set.data).toEqual({ user: { name: "ada" }, cart: ["tea"] });
  });
});

describe("unsealSession with versions", () => {
  it("migrates an older version (meta.version stays the sealed one), refuses a newer one; sealSession refuses a bad version", async () => {
    const keys = await createKeyring(SECRET);
    const now = Date.UTC(2026, 0, 1);
    const meta = { id: newSessionId(), created: now, lastUsed: now, lifetime: 0 };
    const v2 = z.object({ user: z.object({ name: z.string() }) });
    const migrate = (data: Record<string, unknown>) => ({ user: { name: data["name"] } });
    const old = await sealSession({ data: { name: "ada" }, meta }, keys);
    const migrated = await unsealSession(old, keys, { schema: v2, version: 2, migrate, now });
    expect(migrated.ok && [migrated.data, migrated.meta.version]).toEqual([{ user: { name: "ada" } }, undefined]);
    const newer = await sealSession({ data: { user: { name: "ada" } }, meta: { ...meta, version: 3 } }, keys);
    expect(await unsealSession(newer, keys, { schema: v2, version: 2, migrate, now })).toEqual({ ok: false, reason: "schema" });
    const current = await unsealSession(newer, keys, { schema: v2, version: 3, now });
    expect(current.ok && current.meta.version).toBe(3);
    await expect(sealSession({ data: {}, meta: { ...meta, version: 0 } }, keys)).rejects.toThrow(/meta.version/);
  });
});

describe("the engine with a schema", () => {
  it("an untouched request never calls the validator, even with a session cookie; the first read calls it once", async () => {
    const counting = counted(schema);
    const clock = testClock();
    const engine = sessionEngine({ secret: SECRET, schema: counting, now: clock.now });
    const cookie = await sessionCookie({ secret: SECRET, now: clock.now, data: { cart: ["tea"] } });
    const untouched = engine.start(new Headers({ Cookie: cookie }), undefined);
    expect(await untouched.commit()).toEqual([]);
    expect(counting.calls).toBe(0);
    const read = engine.start(new Headers({ Cookie: cookie }), undefined);
    await read.session.get("cart");
    await read.session.all();
    await read.session.has("user");
    expect(counting.calls).toBe(1);
    expect(await read.commit()).toEqual([]); // nothing written: nothing checked again
    expect(counting.calls).toBe(1);
  });

  it.each([
    ["a stripping schema (zod's object drops unknown keys)", schema],
    ["a strict schema (valibot's strictObject refuses unknown keys)", v.strictObject({ cart: v.optional(v.array(v.string())) })],
  ])("leaves the library's own key (edge-session/dbsc's binding) to the library: %s", async (_, appSchema) => {
    const clock = testClock();
    const engine = sessionEngine({ secret: SECRET, schema: appSchema as typeof schema, now: clock.now });
    const first = engine.start(new Headers(), undefined);
    await first.session.set("cart", ["tea"]);
    await (first.session as unknown as Session<Record<string, unknown>>).set(BINDING_KEY, { k: "key" });
    const [line] = await first.commit(); // the write check passes: the schema saw the cart only
    const next = engine.start(new Headers({ Cookie: line!.split(";")[0]! }), undefined);
    const data: Record<string, unknown> = await next.session.all();
    expect(next.session.invalid).toBeUndefined();
    expect(data).toEqual({ cart: ["tea"], [BINDING_KEY]: { k: "key" } });
  });

  it("refuses schema options that cannot work, at start-up", () => {
    const make = (options: object) => () => sessionEngine({ secret: SECRET, ...options });
    expect(make({ schema: { parse: () => ({}) } })).toThrow(/Standard Schema/);
    expect(make({ schema, version: 0 })).toThrow(SessionConfigError);
    expect(make({ schema, version: 1.5 })).toThrow(/version must be a whole number/);
    expect(make({ schema, migrate: "x" })).toThrow(/migrate must be a function/);
    expect(make({ version: 2 })).toThrow(/need a schema/);
    expect(make({ migrate: () => ({}) })).toThrow(/need a schema/);
  });

  it("a migrate or validator that throws refuses the session (a fresh one), never a 500", async () => {
    const clock = testClock();
    const cookie = await sessionCookie({ secret: SECRET, now: clock.now, data: { cart: ["tea"] } });
    const broken = sessionEngine({
      secret: SECRET,
      now: clock.now,
      schema,
      version: 2,
      migrate: () => {
        throw new Error("bug in migrate");
      },
    });
    const request = broken.start(new Headers({ Cookie: cookie }), undefined);
    const s = await request.session.load();
    expect([s.isNew, s.invalid]).toEqual([true, "schema"]);
  });
});
