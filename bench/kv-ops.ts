/**
 * Scenario 5: Workers KV operations per request, for each mode of edge-session, counted by a binding that
 * wraps the real one (Miniflare's local KV, inside workerd). Not timed: the counts are the result, and
 * the scenario fails when an unchanged request within touchAfter writes anything.
 *
 * One visitor goes through the same requests in every mode, with a small session (fits a cookie) and a
 * large one (does not: overflow spills it to KV). The clock is injected, so "after touchAfter" needs no
 * waiting.
 */
import { Hono } from "hono";
import { session, type SessionOptions, type SessionVariables } from "../src/index.js";
import { check, Client } from "./client.js";
import { SECRET } from "./contenders.js";
import { countingKV, type KvCounts } from "./counting.js";
import { payload, type BenchData, type Payload } from "./payloads.js";

export interface KvRow extends KvCounts {
  mode: string;
  payload: string;
  request: string;
  /** The response carried a Set-Cookie for the session. */
  setCookie: boolean;
}

const IDLE = 3600;
const TOUCH_AFTER = IDLE / 10; // the default: a tenth of the idle limit

const SMALL = payload("100 B", 100);
/** Too large for one cookie: the cookie-only mode refuses it (SessionTooLargeError), so it is not run there. */
const LARGE = payload("6 KB", 6 * 1024);

const MODES: { name: string; options: (kv: KVNamespace) => Partial<SessionOptions>; payloads: Payload[] }[] = [
  { name: "cookie only", options: () => ({}), payloads: [SMALL] },
  { name: "cookie + overflow", options: (kv) => ({ overflow: kv }), payloads: [SMALL, LARGE] },
  { name: "server-side (store)", options: (kv) => ({ store: kv }), payloads: [SMALL, LARGE] },
];

/** The visitor's requests, in order: [label, path, seconds to move the clock forward first]. */
const VISIT: [request: string, path: string, advance: number][] = [
  ["first visit, writes (new session)", "/inc", 0],
  ["read within touchAfter", "/read", 1],
  ["untouched route", "/untouched", 1],
  ["write (changed)", "/inc", 1],
  ["read after touchAfter (rolls lastUsed)", "/read", TOUCH_AFTER + 1],
  ["destroy", "/logout", 1],
];

const UNCHANGED = VISIT[1]![0];

export async function runKvOps(namespace: KVNamespace): Promise<KvRow[]> {
  const rows: KvRow[] = [];
  for (const mode of MODES) {
    for (const p of mode.payloads) {
      const kv = countingKV(namespace);
      let now = Date.now();
      const app = counterApp(p.data, { ...mode.options(kv.binding), now: () => now });
      const client = new Client(app, "__Host-session");
      for (const [request, path, advance] of VISIT) {
        now += advance * 1000;
        kv.reset();
        const res = await client.get(path);
        check(res.status === 200, `${mode.name} ${p.label}`, `${request} answered ${res.status}`);
        rows.push({ mode: mode.name, payload: p.label, request, setCookie: client.lastSetCookie !== undefined, ...kv.counts });
        if (request === UNCHANGED) {
          check(kv.counts.put === 0 && kv.counts.delete === 0, `${mode.name} ${p.label}`, "an unchanged request within touchAfter wrote to KV");
        }
      }
    }
  }
  return rows;
}

function counterApp(data: BenchData, options: Partial<SessionOptions>): Hono {
  const app = new Hono<{ Variables: SessionVariables<BenchData> }>();
  app.use(session<BenchData>({ secret: SECRET, idleTimeout: IDLE, ...options }));
  app.get("/inc", async (c) => {
    const s = c.var.session;
    const count = ((await s.get("count")) ?? 0) + 1;
    if (count === 1) s.set("blob", data.blob);
    s.set("count", count);
    return c.json({ count });
  });
  app.get("/read", async (c) => c.json({ count: await c.var.session.get("count") }));
  app.get("/untouched", (c) => c.json({ count: 0 }));
  app.get("/logout", (c) => {
    c.var.session.destroy();
    return c.json({ count: 0 });
  });
  return app as unknown as Hono;
}
