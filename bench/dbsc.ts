/**
 * DBSC's cost, side by side in one process (`npm run bench:dbsc`: esbuild bundles this file, Node runs it):
 * an ordinary request of an unbound session, the same request of a bound session behind `requireBinding()`
 * (the bound cookie's MAC checked), and a refresh (proof verified with jose, a new bound cookie and challenge
 * issued, the session written back), with the client's ES256 signing timed apart so the server's share shows.
 * Cookie mode, the same small session. Medians of 7 rounds.
 */
import { Hono } from "hono";
import { SignJWT, exportJWK } from "jose";
import { bindingEndpoints, deviceBinding, requireBinding } from "../src/dbsc/index.js";
import { session, type SessionVariables } from "../src/index.js";
import { SECRET } from "./contenders.js";

const ORIGIN = "https://bank.test";
type Data = { user?: string; count?: number };

const binding = deviceBinding();
const app = new Hono<{ Variables: SessionVariables<Data> }>();
app.use(session<Data>({ secret: SECRET, idleTimeout: 3600 }), bindingEndpoints(binding));
app.post("/login", async (c) => {
  const s = await c.var.session.load();
  s.set("user", "ada");
  c.header("Secure-Session-Registration", (await binding.offer(s)) ?? "");
  return c.text("in");
});
app.get("/plain/balance", async (c) => c.json({ user: (await c.var.session.get("user")) ?? null }));
app.get("/bound/balance", requireBinding(binding), async (c) => c.json({ user: (await c.var.session.get("user")) ?? null }));

const keys = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
const jwk = await exportJWK(keys.publicKey);
const sign = (jti: string, register = false) =>
  new SignJWT({ jti }).setProtectedHeader({ alg: "ES256", typ: "dbsc+jwt", ...(register ? { jwk } : {}) }).sign(keys.privateKey);

const cookies = new Map<string, string>();
let challenge = "";
let dbscId = "";
async function send(path: string, method = "GET", headers: Record<string, string> = {}): Promise<Response> {
  const cookie = [...cookies].map(([n, v]) => `${n}=${v}`).join("; ");
  const res = await app.request(`${ORIGIN}${path}`, { method, headers: { Cookie: cookie, ...headers } });
  for (const line of res.headers.getSetCookie()) {
    const pair = line.slice(0, line.indexOf(";"));
    cookies.set(pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1));
  }
  challenge = /^"([^"]+)"/.exec(res.headers.get("Secure-Session-Challenge") ?? "")?.[1] ?? challenge;
  if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
  return res;
}

const offer = (await send("/login", "POST")).headers.get("Secure-Session-Registration")!;
const registered = await send("/dbsc/register", "POST", {
  "Secure-Session-Response": `"${await sign(/challenge="([^"]+)"/.exec(offer)![1]!, true)}"`,
});
dbscId = ((await registered.json()) as { session_identifier: string }).session_identifier;

const cases: Record<string, () => Promise<unknown>> = {
  "request, unbound route": () => send("/plain/balance"),
  "request, bound (requireBinding)": () => send("/bound/balance"),
  "client: sign an ES256 proof": () => sign(challenge),
  "refresh (client signing included)": async () =>
    send("/dbsc/refresh", "POST", { "Sec-Secure-Session-Id": `"${dbscId}"`, "Secure-Session-Response": `"${await sign(challenge)}"` }),
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const results: Record<string, number[]> = {};
for (let round = 0; round < 7; round++) {
  for (const [name, run] of Object.entries(cases)) {
    const n = name.startsWith("request") ? 400 : 150;
    const start = performance.now();
    for (let i = 0; i < n; i++) await run();
    (results[name] ??= []).push(((performance.now() - start) * 1000) / n);
  }
}
const m = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, median(v)]));
console.log(`DBSC bench, ${new Date().toISOString()}, ${navigator.userAgent}`);
for (const [name, us] of Object.entries(m)) console.log(`${name.padEnd(40)} ${us.toFixed(0).padStart(6)} µs`);
const server = m["refresh (client signing included)"]! - m["client: sign an ES256 proof"]!;
console.log(`${"refresh, server share (difference)".padEnd(40)} ${server.toFixed(0).padStart(6)} µs`);
