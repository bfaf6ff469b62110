/**
 * Scenario 6: what revocation checks cost over a traffic trace, counted (not timed) inside workerd. 50
 * users, each logged in and linked (`linkSession`), each making a request every 2 s for 10 minutes of
 * injected time (a background poll that skips the roll every 5th request, a write every 30th), for cookie
 * mode without revocation and with `revocation.recheckAfter` 0, 10, 30 and 60 s, with the session in the
 * cookie and in KV (overflow, 6 KB). Counted per request: Durable Object calls and Set-Cookie responses.
 * One isolate serves every request, so a check it answered is reused here for `recheckAfter` (several
 * isolates each ask once per `recheckAfter`). Counted are the calls the Worker makes; those objects make to
 * each other from their alarms (a linked session's object asking its user's once per idle period) are off
 * the request path, and none fall within these 10 minutes (idle limit 30 minutes).
 */
import { Hono } from "hono";
import { linkSession, session, type SessionObjectNamespace, type SessionOptions, type SessionVariables } from "../src/index.js";
import { check, Client } from "./client.js";
import { SECRET } from "./contenders.js";
import { countingKV, countingObjects } from "./counting.js";
import { payload, type BenchData } from "./payloads.js";

export interface TraceRow {
  mode: string;
  overflow: boolean;
  requests: number;
  objectCalls: number;
  setCookies: number;
}

const USERS = 50;
const EVERY = 2;
const DURATION = 600;
const IDLE = 1800; // touchAfter 180 s, the default (a tenth)
const RECHECKS: (number | undefined)[] = [undefined, 0, 10, 30, 60];

export async function runRevocationTrace(kvNamespace: KVNamespace, objectNamespace: SessionObjectNamespace): Promise<TraceRow[]> {
  const rows: TraceRow[] = [];
  for (const overflow of [false, true]) {
    for (const recheckAfter of RECHECKS) {
      const mode = recheckAfter === undefined ? "cookie, no revocation" : `revocation, recheckAfter ${recheckAfter}`;
      const kv = countingKV(kvNamespace);
      const objects = countingObjects(objectNamespace);
      let now = Date.now();
      const options: Partial<SessionOptions> = {
        now: () => now,
        ...(overflow ? { overflow: kv.binding } : {}),
        ...(recheckAfter === undefined ? {} : { revocation: { namespace: objects.binding, recheckAfter } }),
      };
      const app = traceApp(options, objects.binding, overflow ? payload("6 KB", 6 * 1024).data.blob : "x");
      const clients: Client[] = [];
      for (let u = 0; u < USERS; u++) {
        const client = new Client(app, "__Host-session");
        check((await client.get(`/login/${u}-${crypto.randomUUID()}`)).status === 200, mode, "login failed");
        clients.push(client);
      }
      objects.reset();
      const start = now;
      let requests = 0;
      let setCookies = 0;
      for (let tick = 1; tick * EVERY <= DURATION; tick++) {
        for (let u = 0; u < USERS; u++) {
          now = start + tick * EVERY * 1000 + u * 37; // users staggered within the 2 s
          const path = tick % 30 === 0 ? "/write" : tick % 5 === 0 ? "/poll" : "/read";
          const res = await clients[u]!.get(path);
          check(res.status === 200, mode, `${path} answered ${res.status}`);
          requests++;
          if (clients[u]!.lastSetCookie !== undefined) setCookies++;
        }
      }
      rows.push({ mode, overflow, requests, objectCalls: objects.calls.length, setCookies });
    }
  }
  return rows;
}

function traceApp(options: Partial<SessionOptions>, objects: SessionObjectNamespace, blob: string): Hono {
  const app = new Hono<{ Variables: SessionVariables<BenchData & { user?: string }> }>();
  app.use(session<BenchData & { user?: string }>({ secret: SECRET, idleTimeout: IDLE, ...options }));
  app.get("/login/:user", async (c) => {
    const s = await c.var.session.load();
    s.regenerate();
    s.set("user", c.req.param("user"));
    s.set("blob", blob);
    await linkSession(objects, s, c.req.param("user"));
    return c.json({ count: 0 });
  });
  app.get("/read", async (c) => c.json({ count: (await c.var.session.get("count")) ?? 0 }));
  app.get("/poll", async (c) => {
    c.var.session.skipRoll();
    return c.json({ count: (await c.var.session.get("count")) ?? 0 });
  });
  app.get("/write", async (c) => {
    const count = ((await c.var.session.get("count")) ?? 0) + 1;
    c.var.session.set("count", count);
    return c.json({ count });
  });
  return app as unknown as Hono;
}
