// Durable Object store against the KV store and the cookie-only mode, over real HTTP on 127.0.0.1.
//
//   node bench/do.mjs                 (through npm scripts' PATH: `npx node bench/do.mjs`)
//   node bench/do.mjs --requests 400 --clients 4
//
// One local workerd (Miniflare, listening on 127.0.0.1 only) runs a Worker with the three modes side by side; the same client loop drives
// each of them: every client keeps its own session cookie; "write" requests change the session each time,
// "read" requests only read it (no write: touchAfter is not due). A "contended" run sends all requests
// of all clients on ONE session, each changing its own key (the lost-update scenario). Bounded: a fixed
// number of requests per case and a time limit per case; only 127.0.0.1 is contacted.
//
// Local numbers measure this library's and workerd's work, not the network: on Cloudflare a KV read may
// come from a cache at the edge, and a Durable Object call crosses to the object's location (the first
// request of a session from far away pays that distance).
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
  },
});
const REQUESTS = Number(args.requests);
const CLIENTS = Number(args.clients);
const CASE_MS = Number(args["case-seconds"]) * 1000;
const { run, contended } = httpCases({ clients: CLIENTS, requests: REQUESTS, caseMs: CASE_MS });
const root = new URL("..", import.meta.url).pathname;

const worker = `
import { Hono } from "hono";
import { session, DurableObjectStore } from "./src/index.ts";
export { SessionObject } from "./src/durable-object/index.ts";

const SECRET = "bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz";
const modes = {
  cookie: () => ({}),
  kv: (env) => ({ store: env.SESSIONS }),
  do: (env) => ({ store: new DurableObjectStore(env.SESSION_OBJECTS) }),
};
const app = new Hono();
for (const [name, options] of Object.entries(modes)) {
  const sub = new Hono();
  sub.use((c, next) => session({ secret: SECRET, idleTimeout: 3600, cookie: { name: "s", secure: false }, ...options(c.env) })(c, next));
  sub.get("/write", async (c) => {
    const s = c.var.session;
    s.set(c.req.query("key") ?? "n", ((await s.get("n")) ?? 0) + 1);
    return c.text("ok");
  });
  sub.get("/read", async (c) => c.text(String((await c.var.session.get("n")) ?? 0)));
  sub.get("/keys", async (c) => c.text(String(Object.keys(await c.var.session.all()).length)));
  app.route("/" + name, sub);
}
export default app;
`;

const dir = mkdtempSync(join(tmpdir(), "edge-session-do-bench-"));
const scriptPath = join(dir, "worker.mjs");
await build({
  stdin: { contents: worker, resolveDir: root, loader: "ts", sourcefile: "bench-do-worker.ts" },
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
    name: "edge-session-do-bench",
    modules: true,
    script: readFileSync(scriptPath, "utf8"),
    compatibilityDate: "2026-10-01",
    kvNamespaces: ["SESSIONS"],
    durableObjects: { SESSION_OBJECTS: { className: "SessionObject", useSQLite: true } },
  }),
);

try {
  const base = await mf.ready;
  const rows = [];
  for (const mode of ["cookie", "kv", "do"]) {
    for (const kind of ["write", "read"]) rows.push({ mode, kind, ...(await run(base, mode, kind)) });
  }
  for (const mode of ["kv", "do"]) rows.push({ mode, kind: "contended", ...(await contended(base, mode)) });
  console.log(`\n${REQUESTS} requests per case, ${CLIENTS} concurrent clients, Node ${process.version}, 127.0.0.1\n`);
  console.log("| mode | requests | requests/s | p50 ms | p99 ms | note |");
  console.log("| --- | --- | ---: | ---: | ---: | --- |");
  for (const r of rows) {
    console.log(`| ${r.mode} | ${r.kind} | ${r.rate.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.note ?? ""} |`);
  }
} finally {
  await mf.dispose();
  rmSync(dir, { recursive: true, force: true });
}
