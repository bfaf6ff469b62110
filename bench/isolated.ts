/**
 * The cases of `npm run bench:isolates` (bench/isolates.mjs): the README's ten-line app as users write it
 * (`edge-session/cookie`, the secret read from `c.env` through a function), built as the package ships
 * (tsc), for this checkout and for 0.1, beside the baseline, the floor, the jose floor and the peers of
 * bench/contenders.ts.
 * Each case runs alone in its own isolate (one workerd process, or one Node worker thread), as a deployed
 * Worker runs one app. The packages come in as `libs`: the bundle bench/isolates.mjs makes imports the builds.
 */
import { Hono, type MiddlewareHandler } from "hono";
import type { requireCsrfToken, session, SessionVariables } from "../src/cookie/index.js";
import { check, clientWithSession } from "./client.js";
import { csrfFloor } from "./csrf-floor.js";
import { BENCH_ENV, baseline, floor, honoSession, joseFloor, honoSessions, ironSession, readmeApp, type Contender } from "./contenders.js";
import type { Case } from "./harness.js";
import { payload, type BenchData } from "./payloads.js";

/** What a case needs of an edge-session build. */
export interface Lib {
  session: typeof session;
  requireCsrfToken?: typeof requireCsrfToken;
}

/** This checkout and 0.1 (141a9bd), each as its build exports it. */
export interface Libs {
  current: Lib;
  v01: Lib;
}

export const CURRENT = "edge-session (this build)";
export const V01 = "edge-session 0.1 (141a9bd)";
export const WITH_CSRF = "edge-session, POST + CSRF token + setLimits";
export const WITHOUT_CSRF = "edge-session, POST, same session without them";
/** The two halves of WITH_CSRF apart, to tell which costs what. */
export const TOKEN_ONLY = "edge-session, POST + CSRF token only";
export const LIMITS_ONLY = "edge-session, POST + setLimits only";
/** The same POST with the CSRF floor (bench/csrf-floor.ts) in place of edge-session's tokens. */
export const CSRF_FLOOR = "edge-session, POST + CSRF floor (bench/csrf-floor.ts)";
/** The route no handler reads the session on, carrying the session's cookie. */
export const UNTOUCHED = "untouched";
export const ROUND_TRIP = "round trip";

const IDLE = 3600;
const ABSOLUTE = 24 * 3600;
const ORIGIN = "http://localhost";

/**
 * Issue 27's pair: the same POST round trip (Origin and Sec-Fetch-Site sent by both), once plain and once
 * with a session that called `setLimits()` at its start, `/inc` behind `requireCsrfToken()` and each answer
 * minting the token the next post sends (so each request verifies one token and masks another). With
 * `withToken: "floor"`, the CSRF floor (bench/csrf-floor.ts) verifies and mints instead, without setLimits.
 */
function csrfApp(lib: Lib, data: BenchData, withToken: boolean | "floor", withLimits = withToken === true) {
  const app = new Hono<{ Bindings: typeof BENCH_ENV; Variables: SessionVariables<BenchData> }>();
  const options = { secret: (c: { env: typeof BENCH_ENV }) => c.env.SESSION_SECRET, idleTimeout: IDLE, absoluteTimeout: ABSOLUTE };
  app.use(lib.session<BenchData>(withLimits ? { ...options, maxLifetime: 30 * 24 * 3600, maxAbsoluteTimeout: 30 * 24 * 3600 } : options));
  const pass: MiddlewareHandler = (_c, next) => next();
  const floor = withToken === "floor" ? csrfFloor(BENCH_ENV.SESSION_SECRET) : undefined;
  app.post("/start", async (c) => {
    const s = c.var.session;
    s.set("count", 0);
    s.set("blob", data.blob);
    if (withLimits) s.setLimits({ lifetime: 30 * 24 * 3600, absoluteTimeout: 30 * 24 * 3600 });
    if (floor) await s.load(); // the floor's token needs the session's id
    return c.json({ count: 0, token: floor ? await floor.mint(s) : withToken ? await s.csrfToken() : "" });
  });
  app.post("/inc", floor ? floor.verify : withToken ? lib.requireCsrfToken!() : pass, async (c) => {
    const s = c.var.session;
    const count = ((await s.get("count")) ?? 0) + 1;
    s.set("count", count);
    return c.json({ count, token: floor ? await floor.mint(s) : withToken ? await s.csrfToken() : "" });
  });
  return app;
}

async function csrfCase(lib: Lib, data: BenchData, withToken: boolean | "floor", withLimits = withToken === true) {
  const app = csrfApp(lib, data, withToken, withLimits);
  let cookie = "";
  let token = "";
  let expected = 0;
  const post = async (path: string) => {
    const headers: Record<string, string> = { Origin: ORIGIN, "Sec-Fetch-Site": "same-origin", Cookie: cookie, "X-CSRF-Token": token };
    const res = await app.request(`${ORIGIN}${path}`, { method: "POST", headers }, BENCH_ENV);
    const set = res.headers.getSetCookie()[0];
    if (set) cookie = set.slice(0, set.indexOf(";"));
    const body = res.status === 200 ? ((await res.json()) as { count: number; token: string }) : undefined;
    if (!body || body.count !== expected) throw new Error(`${path} answered ${res.status}, count ${body?.count} not ${expected}`);
    token = body.token;
    expected++;
  };
  await post("/start");
  if (withToken) {
    const kept = token;
    token = "forged";
    const res = await app.request(
      `${ORIGIN}/inc`,
      { method: "POST", headers: { Origin: ORIGIN, Cookie: cookie, "X-CSRF-Token": token } },
      BENCH_ENV,
    );
    check(res.status === 403, withToken === "floor" ? CSRF_FLOOR : WITH_CSRF, `a post with a wrong token answered ${res.status}`);
    token = kept;
  }
  await post("/inc");
  return () => post("/inc");
}

const roundTrip = (contender: Contender, data: BenchData): Case => ({
  contender: contender.name,
  variant: ROUND_TRIP,
  async prepare() {
    const client = await clientWithSession(contender, data);
    const count = await client.count("/inc");
    if (!contender.carried) {
      check(count === 2, contender.name, `counter went 1, ${count} instead of 1, 2`);
      check(client.lastSetCookie, contender.name, "no Set-Cookie after a write");
    }
    let expected = count ?? 0;
    return async () => {
      const res = await client.get("/inc");
      const body = (await res.json()) as { count: number };
      // the baseline's counter is not per session; every other contender must carry its cookie
      if (!contender.carried && body.count !== ++expected) throw new Error(`${contender.name}: counter ${body.count}, not ${expected}`);
    };
  },
});

const untouched = (contender: Contender, data: BenchData): Case => ({
  contender: contender.name,
  variant: UNTOUCHED,
  async prepare() {
    const client = await clientWithSession(contender, data);
    return async () => {
      const res = await client.get("/untouched");
      await res.arrayBuffer();
      if (client.lastSetCookie !== undefined) throw new Error(`${contender.name}: Set-Cookie on a route that never read the session`);
    };
  },
});

/**
 * Every case of one size, keyed `contender @ variant`.
 *
 * @example
 * ```ts
 * const cases = isolatedCases({ current, v01 }, 100);
 * const step = await cases.get(`${CURRENT} @ ${ROUND_TRIP}`)!.prepare();
 * await step();
 * ```
 */
export function isolatedCases(libs: Libs, bytes: number): Map<string, Case> {
  const { data } = payload(`${bytes} B`, bytes);
  const current = readmeApp(CURRENT, libs.current.session);
  const v01 = readmeApp(V01, libs.v01.session);
  const cases = [
    ...[baseline, floor, joseFloor, v01, current, honoSession, ironSession, honoSessions].map((c) => roundTrip(c, data)),
    ...[baseline, v01, current].map((c) => untouched(c, data)),
    ...[true, false].map((withToken): Case => ({
      contender: withToken ? WITH_CSRF : WITHOUT_CSRF,
      variant: ROUND_TRIP,
      prepare: () => csrfCase(libs.current, data, withToken),
    })),
    ...[true, false].map((token): Case => ({
      contender: token ? TOKEN_ONLY : LIMITS_ONLY,
      variant: ROUND_TRIP,
      prepare: () => csrfCase(libs.current, data, token, !token),
    })),
    { contender: CSRF_FLOOR, variant: ROUND_TRIP, prepare: () => csrfCase(libs.current, data, "floor") },
  ];
  return new Map(cases.map((c) => [`${c.contender} @ ${c.variant}`, c]));
}
