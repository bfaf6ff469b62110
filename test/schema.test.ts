/**
 * Session data with a schema, in every mode and with each validator library (one case table): valid data is
 * the schema's output, anything else is refused as a bad cookie would be (a fresh session, `invalid:
 * "schema"`, an event naming paths, never values), writes of the wrong shape fail before anything is sealed,
 * and sessions sealed by earlier deploys are migrated, then sealed again once; a rollback is refused.
 */
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { session, type SessionData, type SessionEvent, type SessionOptions, type SessionVariables } from "../src/index.js";
import { cookieJar, SECRET, testClock } from "./helpers.js";
import { MODES, type Clock } from "./modes.js";
import { counted, LIBRARIES, migrations } from "./schema-cases.js";

type Jar = ReturnType<typeof cookieJar>;

/** One deploy of the app: its session options (schema, version, migrate) over the mode's shared store. */
function deploy(options: Partial<SessionOptions>, events: SessionEvent[] = []) {
  const app = new Hono<{ Variables: SessionVariables<SessionData> }>();
  app.use(session({ secret: SECRET, onEvent: (event) => void events.push(event), ...options }));
  app.post("/put", async (c) => {
    for (const [key, value] of Object.entries(await c.req.json<SessionData>())) c.var.session.set(key, value);
    return c.text("ok");
  });
  app.get("/read", async (c) => {
    const s = await c.var.session.load();
    return c.json({ isNew: s.isNew, invalid: s.invalid ?? null, data: await s.all() });
  });
  app.get("/untouched", (c) => c.text("hi"));
  return app;
}

type App = ReturnType<typeof deploy>;

/** Event deliveries go through waitUntil: each request's are awaited before the test looks. */
const pending: Promise<unknown>[] = [];
const ctx = {
  waitUntil: (p: Promise<unknown>) => void pending.push(p),
  passThroughOnException() {},
  props: {},
} as unknown as ExecutionContext;

async function put(app: App, j: Jar, data: SessionData) {
  const res = await app.request("/put", { method: "POST", body: JSON.stringify(data), headers: j.header() }, {}, ctx);
  j.take(res);
  await Promise.all(pending);
  return res;
}

async function read(app: App, j: Jar) {
  const res = await app.request("/read", { headers: j.header() }, {}, ctx);
  j.take(res);
  await Promise.all(pending);
  return (await res.json()) as { isNew: boolean; invalid: string | null; data: SessionData };
}

const ADA = { user: { name: "ada", role: "user" }, cart: ["tea"] };

describe.each(MODES)("schema: $mode", ({ options }) => {
  describe.each(LIBRARIES)("$library", ({ v1, v2, v3, extraKept }) => {
    /** The deploys of one test share the mode's store and the clock. */
    function modeOf(clock: Clock) {
      return { now: clock.now, idleTimeout: 3600, ...options(clock) };
    }

    it("valid data opens as the schema's output", async () => {
      const clock = testClock();
      const app = deploy({ ...modeOf(clock), schema: v3 });
      const j = cookieJar();
      await put(app, j, ADA);
      expect(await read(app, j)).toEqual({ isNew: false, invalid: null, data: ADA });
    });

    for (const [name, data, paths] of [
      ["a field of the wrong type", { user: { name: 4242424242, role: "user" } }, ["user.name"]],
      ["a missing field", { cart: [] }, ["user"]],
      ["a value outside the enum", { user: { name: "ada", role: "secret-role" } }, ["user.role"]],
    ] as const) {
      it(`${name}: a fresh session, invalid "schema", an event with the failing paths and never the value`, async () => {
        const clock = testClock();
        const mode = modeOf(clock);
        const j = cookieJar();
        await put(deploy(mode), j, data); // sealed by code without the schema
        const events: SessionEvent[] = [];
        const app = deploy({ ...mode, schema: v3 }, events);
        expect(await read(app, j)).toEqual({ isNew: true, invalid: "schema", data: {} });
        const invalid = events.filter((event) => event.type === "invalid");
        expect(invalid).toMatchObject([{ type: "invalid", reason: "schema", paths }]);
        // Paths only: no value, no validator message (which may quote the value).
        expect(Object.keys(invalid[0]!).sort()).toEqual(["at", "paths", "reason", "session", "type"]);
        expect(JSON.stringify(events)).not.toMatch(/4242424242|secret-role/);
        // The refused session is gone: the next write starts a new one, without the old data.
        await put(app, j, { user: { name: "bob", role: "user" } });
        expect(await read(app, j)).toEqual({ isNew: false, invalid: null, data: { user: { name: "bob", role: "user" } } });
      });
    }

    it(`an extra field is ${extraKept ? "kept" : "stripped"}, as the schema's own rule says`, async () => {
      const clock = testClock();
      const mode = modeOf(clock);
      const j = cookieJar();
      await put(deploy(mode), j, { ...ADA, extra: "x" });
      const { data } = await read(deploy({ ...mode, schema: v3 }), j);
      expect(data).toEqual(extraKept ? { ...ADA, extra: "x" } : ADA);
    });

    it("an async validator runs once, on the first read; a route that never reads the session never calls it", async () => {
      const clock = testClock();
      const schema = counted(v3);
      const app = deploy({ ...modeOf(clock), schema });
      const j = cookieJar();
      await put(app, j, ADA); // a write is checked before it is sealed
      expect(schema.calls).toBe(1);
      await app.request("/untouched", { headers: j.header() }, {}, ctx);
      expect(schema.calls).toBe(1);
      expect((await read(app, j)).data).toEqual(ADA);
      expect(schema.calls).toBe(2);
    });

    it("a write of the wrong shape fails with SessionSchemaError before anything is sealed", async () => {
      const clock = testClock();
      const app = deploy({ ...modeOf(clock), schema: v3 });
      const j = cookieJar();
      await put(app, j, ADA);
      const res = await put(app, j, { user: { name: 7 } });
      expect(res.status).toBe(500);
      expect(res.headers.get("Cache-Control")).toBe("no-store");
      expect(await read(app, j)).toEqual({ isNew: false, invalid: null, data: ADA });
    });

    it("deploys 1 -> 2 -> 3: old sessions migrate (1 -> 2 -> 3 and 2 -> 3), are sealed again once, and nothing is lost", async () => {
      const clock = testClock();
      const mode = modeOf(clock);
      const m = migrations();
      const deploy1 = deploy({ ...mode, schema: v1 });
      const deploy2 = deploy({ ...mode, schema: v2, version: 2, migrate: m.toV2 });
      const deploy3 = deploy({ ...mode, schema: v3, version: 3, migrate: m.toV3 });
      const early = cookieJar();
      const middle = cookieJar();
      await put(deploy1, early, { name: "ada" });
      await put(deploy1, middle, { name: "bob" });
      expect((await read(deploy2, middle)).data).toEqual({ user: { name: "bob" } }); // 1 -> 2, sealed at 2
      expect(m.calls).toEqual([1]);

      expect(await read(deploy3, early)).toEqual({ isNew: false, invalid: null, data: { user: { name: "ada", role: "user" } } });
      expect(await read(deploy3, middle)).toEqual({ isNew: false, invalid: null, data: { user: { name: "bob", role: "user" } } });
      expect(m.calls).toEqual([1, 1, 2]);
      // Sealed at version 3 by the read that migrated it: later reads migrate nothing.
      expect((await read(deploy3, early)).data).toEqual({ user: { name: "ada", role: "user" } });
      expect((await read(deploy3, middle)).data).toEqual({ user: { name: "bob", role: "user" } });
      expect(m.calls).toEqual([1, 1, 2]);
    });

    it('a rollback: a session sealed by a newer deploy is refused (invalid "schema", the event names its version)', async () => {
      const clock = testClock();
      const mode = modeOf(clock);
      const m = migrations();
      const j = cookieJar();
      await put(deploy({ ...mode, schema: v3, version: 3, migrate: m.toV3 }), j, ADA);
      const events: SessionEvent[] = [];
      const rolledBack = deploy({ ...mode, schema: v2, version: 2, migrate: m.toV2 }, events);
      expect(await read(rolledBack, j)).toEqual({ isNew: true, invalid: "schema", data: {} });
      expect(events.filter((event) => event.type === "invalid")).toMatchObject([{ reason: "schema", paths: [], version: 3 }]);
      expect(m.calls).toEqual([]);
    });
  });
});
