// D1 store against the KV store, over real HTTP on 127.0.0.1, and D1's activity queries on seeded tables.
//
//   node bench/d1.mjs                 (through npm scripts' PATH: `npx node bench/d1.mjs`)
//   node bench/d1.mjs --requests 400 --clients 4 --sizes 10000
//
// One local workerd (Miniflare, listening on 127.0.0.1 only) runs a Worker with server-side sessions on KV
// (plain mode) and on D1 (D1Store: versioned mode). The same client loop drives each: every client keeps its
// own session cookie; "write" requests change the session each time, "read" requests only read it. A
// "contended" run sends all requests of all clients on ONE session, each changing its own key (the
// lost-update case). Every response says how many store round trips it made (KV calls, or D1 statements
// and batches), counted by wrappers around the bindings.
//
// Then the D1 table is seeded with 10 000 and 100 000 sessions (last uses spread over 24 hours, 30 min idle
// limit) and each activity query is timed from Node (median of --repeat runs; a no-op request's time is shown
// for the HTTP overhead in it). Bounded: a fixed number of requests per case and a time limit per case;
// only 127.0.0.1 is contacted; KV and D1 live in memory.
import { build } from "esbuild";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { httpCases } from "./http-cases.mjs";

const { values: args } = parseArgs({
  options: {
    requests: { type: "string", default: "2000" },
    clients: { type: "string", default: "8" },
    "case-seconds": { type: "string", default: "30" },
    sizes: { type: "string", default: "10000,100000" },
    repeat: { type: "string", default: "20" },
  },
});
const REQUESTS = Number(args.requests);
const CLIENTS = Number(args.clients);
const CASE_MS = Number(args["case-seconds"]) * 1000;
const { run, contended } = httpCases({ clients: CLIENTS, requests: REQUESTS, caseMs: CASE_MS });
const SIZES = args.sizes.split(",").map(Number);
const REPEAT = Number(args.repeat);
const root = new URL("..", import.meta.url).pathname;

const worker = `
import { Hono } from "hono";
import { listActiveSessions, session } from "./src/index.ts";
import { D1Store, D1_SCHEMA } from "./src/d1/index.ts";

const SECRET = "bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz";
const SEEDED = "seeded:";

/** The KV binding, counting calls into calls.n. */
function countingKV(kv, calls) {
  return new Proxy(kv, {
    get(target, name) {
      const value = Reflect.get(target, name, target);
      return typeof value === "function" ? (...args) => (calls.n++, value.apply(target, args)) : value;
    },
  });
}

/** The D1 binding, counting round trips (a statement run, or a batch) into calls.n. */
function countingD1(db, calls) {
  const inner = new WeakMap();
  const wrap = (statement) => {
    const proxy = new Proxy(statement, {
      get(target, name) {
        if (name === "bind") return (...values) => wrap(target.bind(...values));
        const value = Reflect.get(target, name, target);
        if (typeof value !== "function") return value;
        return (...args) => (calls.n++, value.apply(target, args));
      },
    });
    inner.set(proxy, statement);
    return proxy;
  };
  return new Proxy(db, {
    get(target, name) {
      if (name === "prepare") return (sql) => wrap(target.prepare(sql));
      if (name === "batch") return (statements) => (calls.n++, target.batch(statements.map((s) => inner.get(s) ?? s)));
      return Reflect.get(target, name, target);
    },
  });
}

const stores = {
  kv: (c) => countingKV(c.env.SESSIONS, c.get("calls")),
  d1: (c) => new D1Store(countingD1(c.env.DB, c.get("calls")), { prefix: "s:" }),
};
const app = new Hono();
for (const [name, store] of Object.entries(stores)) {
  const sub = new Hono();
  sub.use(async (c, next) => {
    c.set("calls", { n: 0 });
    await next();
    c.res.headers.set("X-Store-Calls", String(c.get("calls").n));
  });
  sub.use(session({ secret: SECRET, idleTimeout: 3600, cookie: { name: "s", secure: false }, store }));
  sub.get("/write", async (c) => {
    const s = c.var.session;
    s.set(c.req.query("key") ?? "n", ((await s.get("n")) ?? 0) + 1);
    return c.text("ok");
  });
  sub.get("/read", async (c) => c.text(String((await c.var.session.get("n")) ?? 0)));
  sub.get("/keys", async (c) => c.text(String(Object.keys(await c.var.session.all()).length)));
  app.route("/" + name, sub);
}

app.post("/setup", async (c) => {
  await c.env.DB.batch(D1_SCHEMA.map((sql) => c.env.DB.prepare(sql)));
  return c.text("ok");
});
// n sessions, last used evenly over the 24 hours before now, 30 min idle limit, a 600-character value.
app.post("/seed", async (c) => {
  const n = Number(c.req.query("n"));
  const now = Math.floor(Date.now() / 1000);
  await c.env.DB.prepare("DELETE FROM sessions WHERE key >= ?1 AND key < ?2").bind(SEEDED, "seeded;").run();
  await c.env.DB.prepare(
    \`WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < ?1 - 1)
     INSERT INTO sessions (key, value, version, expires, deadline, created, last_used, metadata)
     SELECT ?3 || printf('%08d', i), ?4, 1, lu + 1800 + 86400, lu + 1800, lu - 600, lu,
            json_object('created', lu - 600, 'lastUsed', lu, 'expires', lu + 1800)
     FROM (SELECT i, CAST(?2 AS INTEGER) - (i * 86400) / CAST(?1 AS INTEGER) AS lu FROM seq)\`,
  ).bind(n, now, SEEDED, "x".repeat(600)).run();
  return c.text("ok");
});
const seeded = (c) => new D1Store(c.env.DB, { prefix: SEEDED });
const queries = {
  noop: async () => 0,
  "countActiveSince(10 min)": (c) => seeded(c).countActiveSince(Date.now() - 600_000),
  "countActiveSince(24 h)": (c) => seeded(c).countActiveSince(Date.now() - 86_400_000),
  "activeSince(10 min), first page of 100": async (c) => (await seeded(c).activeSince(Date.now() - 600_000, { limit: 100 })).sessions.length,
  "activityBuckets(24 h, 5 min)": async (c) => (await seeded(c).activityBuckets({ since: Date.now() - 86_400_000, bucketSeconds: 300 })).length,
  "listActiveSessions(10 min), first page (1000 keys scanned)": async (c) => (await listActiveSessions(seeded(c), { since: Date.now() - 600_000 })).sessions.length,
  "listActiveSessions(10 min), every page (what countActiveSince answers)": async (c) => {
    let count = 0;
    let cursor;
    do {
      const page = await listActiveSessions(seeded(c), { since: Date.now() - 600_000, cursor });
      count += page.sessions.length;
      cursor = page.cursor;
    } while (cursor);
    return count;
  },
};
app.get("/queries", (c) => c.json(Object.keys(queries)));
app.get("/query/:name", async (c) => c.text(String(await queries[c.req.param("name")](c))));
// A purge of what expired 24 h from now: at most 10 000 rows, in statements of 1000.
app.post("/purge", async (c) => c.json(await seeded(c).purge({ now: Date.now() + 86_400_000 })));
export default app;
`;

const dir = mkdtempSync(join(tmpdir(), "edge-session-d1-bench-"));
const scriptPath = join(dir, "worker.mjs");
await build({
  stdin: { contents: worker, resolveDir: root, loader: "ts", sourcefile: "bench-d1-worker.ts" },
  outfile: scriptPath,
  bundle: true,
  format: "esm",
  platform: "browser",
  conditions: ["workerd", "worker", "browser"],
  external: ["cloudflare:workers"],
  target: "es2022",
  logLevel: "warning",
});
const mf = new Miniflare(
  convertV4MiniflareOptions({
    host: "127.0.0.1",
    port: 0,
    cf: false, // no request.cf lookup: nothing leaves this machine
    name: "edge-session-d1-bench",
    modules: true,
    script: readFileSync(scriptPath, "utf8"),
    compatibilityDate: "2026-10-01",
    kvNamespaces: ["SESSIONS"],
    d1Databases: ["DB"],
  }),
);

try {
  const base = await mf.ready;
  await check(await fetch(new URL("/setup", base), { method: "POST" }));
  const rows = [];
  for (const mode of ["kv", "d1"]) {
    for (const kind of ["write", "read"]) rows.push({ mode, kind, ...(await run(base, mode, kind)) });
  }
  for (const mode of ["kv", "d1"]) rows.push({ mode, kind: "contended", ...(await contended(base, mode)) });
  console.log(`\n${REQUESTS} requests per case, ${CLIENTS} concurrent clients, Node ${process.version}, 127.0.0.1\n`);
  console.log("| store | requests | requests/s | p50 ms | p99 ms | store round trips per request | note |");
  console.log("| --- | --- | ---: | ---: | ---: | ---: | --- |");
  for (const r of rows) {
    console.log(
      `| ${r.mode} | ${r.kind} | ${r.rate.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.calls.toFixed(2)} | ${r.note ?? ""} |`,
    );
  }

  console.log(
    `\nActivity queries on D1: median ms of ${REPEAT} requests from Node (with the HTTP round trip: see noop), (what the query answered)\n`,
  );
  const names = await (await check(await fetch(new URL("/queries", base)))).json();
  const table = {};
  for (const size of SIZES) {
    const seeding = performance.now();
    await check(await fetch(new URL(`/seed?n=${size}`, base), { method: "POST" }));
    const seeded = performance.now() - seeding;
    table[size] = { seed: seeded };
    for (const name of names) table[size][name] = await median(new URL(`/query/${encodeURIComponent(name)}`, base));
    const purging = performance.now();
    const purge = await (await check(await fetch(new URL("/purge", base), { method: "POST" }))).json();
    table[size].purge = `${(performance.now() - purging).toFixed(1)} (${purge.purged} rows${purge.more ? ", more" : ""})`;
  }
  console.log(`| query | ${SIZES.map((s) => `${s.toLocaleString("en")} sessions`).join(" | ")} |`);
  console.log(`| --- | ${SIZES.map(() => "---:").join(" | ")} |`);
  console.log(`| seeding (one INSERT) | ${SIZES.map((s) => table[s].seed.toFixed(0)).join(" | ")} |`);
  for (const name of names) console.log(`| ${name} | ${SIZES.map((s) => table[s][name]).join(" | ")} |`);
  console.log(`| purge() of 10 000 expired, batches of 1000 (one run) | ${SIZES.map((s) => table[s].purge).join(" | ")} |`);
} finally {
  await mf.dispose();
  rmSync(dir, { recursive: true, force: true });
}

async function check(res) {
  if (!res.ok) throw new Error(`${new URL(res.url).pathname}: ${res.status} ${await res.text()}`);
  return res;
}

async function median(url) {
  const times = [];
  let answer;
  for (let i = 0; i < REPEAT; i++) {
    const started = performance.now();
    answer = await (await check(await fetch(url))).text();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return `${times[Math.floor(times.length / 2)].toFixed(2)} (${answer})`;
}
