/**
 * The cost of a schema (bench/schema.mjs bundles and runs this): a Hono round trip (read a counter, increment it,
 * write it back) and an untouched route (the cookie comes along, the handler never reads the session), each with
 * no schema, a small valibot schema and the same schema in zod. Kept apart from bench/run.mjs's harness.
 */
import { Hono } from "hono";
import * as v from "valibot";
import { z } from "zod";
import { session, type SessionOptions, type SessionVariables } from "../src/index.js";

const SECRET = "bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz";

export const SCHEMAS: Record<string, Partial<SessionOptions>> = {
  none: {},
  valibot: { schema: v.object({ count: v.optional(v.number()), user: v.optional(v.string()), note: v.optional(v.string()) }) },
  zod: { schema: z.object({ count: z.number().optional(), user: z.string().optional(), note: z.string().optional() }) },
};

/** A client of one app: `inc()` is a round trip carrying the previous cookie, `untouched()` a route that never reads it. */
export async function client(options: Partial<SessionOptions>) {
  const app = new Hono<{ Variables: SessionVariables<{ count?: number; user?: string; note?: string }> }>();
  app.use(session({ secret: SECRET, ...options }));
  app.get("/inc", async (c) => {
    const count = ((await c.var.session.get("count")) ?? 0) + 1;
    c.var.session.set("count", count);
    return c.text(String(count));
  });
  app.get("/untouched", (c) => c.text("ok"));
  let cookie = "";
  const take = (res: Response) => {
    const line = res.headers.getSetCookie()[0];
    if (line) cookie = line.slice(0, line.indexOf(";"));
  };
  // A 100-byte session: a user and a note, then the counter.
  const first = await app.request("/inc");
  take(first);
  const seed = new Hono<{ Variables: SessionVariables }>().use(session({ secret: SECRET })).get("/", (c) => {
    c.var.session.set("user", "ada@example.com");
    c.var.session.set("note", "x".repeat(60));
    c.var.session.set("count", 1);
    return c.text("ok");
  });
  take(await seed.request("/"));
  return {
    inc: async () => {
      const res = await app.request("/inc", { headers: { Cookie: cookie } });
      take(res);
      return res.text();
    },
    untouched: async () => (await app.request("/untouched", { headers: { Cookie: cookie } })).text(),
  };
}
