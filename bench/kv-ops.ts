/**
 * Scenario 5: Workers KV and Durable Object operations per request, for each mode of edge-session, counted
 * by bindings that wrap the real ones (Miniflare's local KV and `CountedSessionObject`, inside workerd; see
 * counting.ts). Not timed: the counts are the result, and the scenario fails when an unchanged request
 * within touchAfter writes anything, to KV or to an object's storage.
 *
 * One visitor goes through the same requests in every mode, with a small session (fits a cookie) and a
 * large one (does not: overflow spills it to KV). The clock is injected, so "after touchAfter" needs no
 * waiting.
 */
import { Hono } from "hono";
import { DurableObjectStore, session, type SessionObjectNamespace, type SessionOptions, type SessionVariables } from "../src/index.js";
import { check, Client } from "./client.js";
import { SECRET } from "./contenders.js";
import { countingKV, countingObjects, storageWrites, type KvCounts } from "./counting.js";
import { payload, type BenchData, type Payload } from "./payloads.js";

export interface OpsRow extends KvCounts {
  mode: string;
  payload: string;
  request: string;
  /** RPC methods called on Durable Objects, in order (e.g. ["read", "write"]). */
  objectCalls: string[];
  /** Storage writes the objects made (see `storageWrites`). */
  objectWrites: number;
  /** The response carried a Set-Cookie for the session. */
  setCookie: boolean;
}

/** The real bindings the modes get, wrapped. */
interface Bindings {
  kv: KVNamespace;
  objects: SessionObjectNamespace;
}

/** Object methods that only read; an unchanged request may call these and nothing else. */
const READ_METHODS = new Set(["read", "check"]);

const IDLE = 3600;
const TOUCH_AFTER = IDLE / 10; // the default: a tenth of the idle limit

const SMALL = payload("100 B", 100);
/** Too large for one cookie: the modes that keep the session in the cookie refuse it (SessionTooLargeError), so it is not run there. */
const LARGE = payload("6 KB", 6 * 1024);

const MODES: { name: string; options: (bindings: Bindings) => Partial<SessionOptions>; payloads: Payload[] }[] = [
  { name: "cookie only", options: () => ({}), payloads: [SMALL] },
  { name: "cookie + overflow", options: ({ kv }) => ({ overflow: kv }), payloads: [SMALL, LARGE] },
  { name: "server-side (KV store)", options: ({ kv }) => ({ store: kv }), payloads: [SMALL, LARGE] },
  {
    name: "server-side (Durable Object store)",
    options: ({ objects }) => ({ store: new DurableObjectStore(objects) }),
    payloads: [SMALL, LARGE],
  },
  { name: "cookie + revocation (Durable Object)", options: ({ objects }) => ({ revocation: { namespace: objects } }), payloads: [SMALL] },
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

export async function runKvOps(namespace: KVNamespace, objectNamespace: SessionObjectNamespace): Promise<OpsRow[]> {
  const rows: OpsRow[] = [];
  for (const mode of MODES) {
    for (const p of mode.payloads) {
      const name = `${mode.name} ${p.label}`;
      const kv = countingKV(namespace);
      const objects = countingObjects(objectNamespace);
      let now = Date.now();
      const app = counterApp(p.data, { ...mode.options({ kv: kv.binding, objects: objects.binding }), now: () => now });
      const client = new Client(app, "__Host-session");
      for (const [request, path, advance] of VISIT) {
        now += advance * 1000;
        kv.reset();
        objects.reset();
        storageWrites.count = 0;
        const res = await client.get(path);
        check(res.status === 200, name, `${request} answered ${res.status}`);
        const row = {
          mode: mode.name,
          payload: p.label,
          request,
          ...kv.counts,
          objectCalls: [...objects.calls],
          objectWrites: storageWrites.count,
          setCookie: client.lastSetCookie !== undefined,
        };
        rows.push(row);
        // Guards the counter itself: objects that wrote unseen would make every "0 writes" below vacuous.
        const writeCall = row.objectCalls.find((call) => call === "write" || call === "revoke");
        check(!writeCall || row.objectWrites > 0, name, `${request} called ${writeCall} but no storage write was counted`);
        if (request === UNCHANGED) {
          check(row.put === 0 && row.delete === 0, name, "an unchanged request within touchAfter wrote to KV");
          check(row.objectWrites === 0, name, "an unchanged request within touchAfter wrote to a Durable Object's storage");
          check(
            row.objectCalls.every((call) => READ_METHODS.has(call)),
            name,
            `an unchanged request within touchAfter called ${row.objectCalls.join(", ")}`,
          );
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
