// `npm run test:load`: starts test/load/worker.ts with wrangler dev on 127.0.0.1 (a free port), drives it with
// autocannon (virtual users: a login, then 20 authenticated requests, each user with its own cookie jar, many
// users at once), checks every session afterwards, prints a report and stops the server.
//
// LOAD_MODE=cookie (default), store (server-side sessions in local KV) or do (server-side sessions in local
// Durable Objects, one per session); LOAD_USERS, LOAD_CONNECTIONS.
// Bounded: a fixed number of requests (LOAD_USERS x 21) and a hard stop after LOAD_MAX_SECONDS; loopback only.
// A report, not a timed assertion: the exit code is non-zero only for errors or failed integrity checks.
import autocannon from "autocannon";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const CONNECTIONS = Number(process.env.LOAD_CONNECTIONS ?? 30);
const USERS = Number(process.env.LOAD_USERS ?? 300);
const MAX_SECONDS = Number(process.env.LOAD_MAX_SECONDS ?? 120);
const MODE = process.env.LOAD_MODE ?? "cookie";
const AUTHENTICATED = 20;
const NAME = "__Host-session";

if (MODE !== "cookie" && MODE !== "store" && MODE !== "do") {
  console.error(`LOAD_MODE must be "cookie", "store" or "do"`);
  process.exit(2);
}
if (USERS % CONNECTIONS !== 0) {
  // autocannon splits `amount` evenly over connections: each must run whole users (login + 20).
  console.error(`LOAD_USERS (${USERS}) must be a multiple of LOAD_CONNECTIONS (${CONNECTIONS})`);
  process.exit(2);
}

const freePort = () =>
  new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });

const [port, inspectorPort] = [await freePort(), await freePort()];
const origin = `http://127.0.0.1:${port}`;
const state = mkdtempSync(join(tmpdir(), "edge-session-load-"));

const wrangler = spawn(
  "wrangler",
  [
    "dev",
    "--config",
    join(root, "test/load/wrangler.toml"),
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-ip",
    "127.0.0.1",
    "--inspector-port",
    String(inspectorPort),
    "--persist-to",
    state,
    "--show-interactive-dev-session=false",
    "--log-level",
    "warn",
    "--var",
    `MODE:${MODE}`,
  ],
  { cwd: root, detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" } },
);
let serverLog = "";
wrangler.stdout.on("data", (chunk) => (serverLog += chunk));
wrangler.stderr.on("data", (chunk) => (serverLog += chunk));

let stopped = false;
function stopServer() {
  if (stopped) return;
  stopped = true;
  // Only the process group we started.
  try {
    process.kill(-wrangler.pid, "SIGTERM");
  } catch {}
  rmSync(state, { recursive: true, force: true });
}
process.on("exit", stopServer);
process.on("SIGINT", () => process.exit(130));

async function waitForServer() {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (wrangler.exitCode !== null) throw new Error(`wrangler dev exited early:\n${serverLog}`);
    try {
      if ((await fetch(origin)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`wrangler dev did not answer within 90 s:\n${serverLog}`);
}

function cookieFrom(headers) {
  // autocannon hands over raw header names (case as sent).
  const values = Object.entries(headers).flatMap(([name, value]) => (name.toLowerCase() === "set-cookie" ? [value].flat() : []));
  const raw = values.find((v) => v.startsWith(`${NAME}=`));
  return raw === undefined ? undefined : raw.slice(NAME.length + 1, raw.indexOf(";"));
}

let nextUser = 0;
const problems = [];
/** user -> last cookie and count seen, recorded after the 20th authenticated response. */
const finished = new Map();

const requests = [
  {
    method: "POST",
    path: "/login",
    setupRequest(request, context) {
      context.user = `user-${process.pid}-${nextUser++}`;
      context.count = 0;
      return { ...request, body: context.user, headers: { "content-type": "text/plain" } };
    },
    onResponse(status, body, context, headers) {
      context.cookie = cookieFrom(headers);
      if (status !== 200 || !context.cookie) problems.push(`login ${context.user}: status ${status}, cookie ${!!context.cookie}`);
    },
  },
  ...Array.from({ length: AUTHENTICATED }, (_, i) => ({
    method: "GET",
    path: "/me",
    setupRequest(request, context) {
      return { ...request, headers: { cookie: `${NAME}=${context.cookie ?? ""}` } };
    },
    onResponse(status, body, context, headers) {
      context.count++;
      let seen;
      try {
        seen = JSON.parse(body);
      } catch {}
      if (status !== 200 || seen?.user !== context.user || seen?.count !== context.count) {
        problems.push(`${context.user} request ${context.count}: status ${status}, body ${String(body).slice(0, 120)}`);
      }
      context.cookie = cookieFrom(headers) ?? context.cookie;
      if (i === AUTHENTICATED - 1) finished.set(context.user, { cookie: context.cookie, count: context.count });
    },
  })),
];

let exitCode = 0;
try {
  const startup = Date.now();
  await waitForServer();
  const startupSeconds = (Date.now() - startup) / 1000;
  // A short warm-up so that the first measured requests do not pay for bundling and isolate start-up.
  await autocannon({ url: origin, connections: 2, amount: 50, requests: requests.slice(0, 2) });
  nextUser = 0;
  problems.length = 0;
  finished.clear();

  const instance = autocannon({ url: origin, connections: CONNECTIONS, amount: USERS * (AUTHENTICATED + 1), timeout: 10, requests });
  const guard = setTimeout(() => instance.stop(), MAX_SECONDS * 1000);
  const result = await instance;
  clearTimeout(guard);

  // Integrity pass: every user's final cookie must still open to that user's session with all 20 writes.
  let intact = 0;
  for (const [user, { cookie, count }] of finished) {
    const res = await fetch(`${origin}/check`, { headers: { cookie: `${NAME}=${cookie}` } });
    const seen = await res.json().catch(() => ({}));
    if (res.status === 200 && seen.user === user && seen.count === AUTHENTICATED && count === AUTHENTICATED) intact++;
    else problems.push(`integrity ${user}: status ${res.status}, saw ${JSON.stringify(seen)}`);
  }

  const errors = result.errors + result.timeouts + result.non2xx + problems.length;
  const report = {
    machine: {
      cpus: availableParallelism(),
      model: cpus()[0]?.model ?? "unknown",
      node: process.version,
      platform: `${process.platform}/${process.arch}`,
    },
    workload: {
      users: USERS,
      connections: CONNECTIONS,
      requestsPerUser: AUTHENTICATED + 1,
      sessions:
        MODE === "store"
          ? "server-side, local KV (wrangler dev)"
          : MODE === "do"
            ? "server-side, local Durable Objects (wrangler dev)"
            : "cookie mode, A256GCM",
    },
    wranglerStartupSeconds: startupSeconds,
    requests: result.requests.total,
    seconds: result.duration,
    requestsPerSecond: Math.round(result.requests.average),
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    errors: { total: errors, connection: result.errors, timeouts: result.timeouts, non2xx: result.non2xx, wrongData: problems.length },
    sessionsChecked: `${intact}/${USERS}`,
  };
  console.log(JSON.stringify(report, null, 2));
  console.log(
    `\n| sessions | machine | users x requests | connections | req/s | p50 | p99 | errors | sessions intact |\n|---|---|---|---|---|---|---|---|---|\n` +
      `| ${MODE} | ${report.machine.cpus} x ${report.machine.model} | ${USERS} x ${AUTHENTICATED + 1} | ${CONNECTIONS} | ${report.requestsPerSecond} | ${report.latencyMs.p50} ms | ${report.latencyMs.p99} ms | ${errors} | ${intact}/${USERS} |`,
  );
  if (problems.length) console.error(problems.slice(0, 10).join("\n"));
  if (errors !== 0 || intact !== USERS) exitCode = 1;
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  exitCode = 1;
} finally {
  stopServer();
}
process.exit(exitCode);
