/**
 * Scenario 6: what a CSRF token adds to a round trip. The same POST (read the counter, increment it, write it
 * back), side by side in one run: without a token, and behind `requireCsrfToken()` with the token the previous
 * response carried in `X-CSRF-Token`, the handler minting the next one (`csrfToken()`, as a page renders its
 * form). So each request verifies one token and masks another.
 */
import { Hono, type MiddlewareHandler } from "hono";
import { requireCsrfToken, session, type SessionVariables } from "../src/index.js";
import { check } from "./client.js";
import { SECRET } from "./contenders.js";
import type { Case } from "./harness.js";
import { ROUND_TRIP_PAYLOADS, type BenchData } from "./payloads.js";

export const PLAIN = "edge-session";
export const WITH_TOKEN = "edge-session + CSRF token";
const ORIGIN = "http://localhost";

function app(data: BenchData, withToken: boolean) {
  const a = new Hono<{ Variables: SessionVariables<BenchData> }>();
  a.use(session<BenchData>({ secret: SECRET, idleTimeout: 3600, absoluteTimeout: 24 * 3600 }));
  const pass: MiddlewareHandler = (_c, next) => next();
  a.post("/start", (c) => {
    c.var.session.set("count", 0);
    c.var.session.set("blob", data.blob);
    return c.json({ count: 0 });
  });
  a.post("/token", async (c) => c.json({ count: 0, token: await c.var.session.csrfToken() })); // the page with the form
  a.post("/inc", withToken ? requireCsrfToken() : pass, async (c) => {
    const s = c.var.session;
    const count = ((await s.get("count")) ?? 0) + 1;
    s.set("count", count);
    return c.json(withToken ? { count, token: await s.csrfToken() } : { count });
  });
  return a;
}

/** A browser posting the form of the page it was last shown: its cookie and, with a token, the page's token. */
async function client(data: BenchData, withToken: boolean) {
  const a = app(data, withToken);
  let cookie = "";
  let token = "";
  const post = async (path: string) => {
    const headers: Record<string, string> = { Origin: ORIGIN, "Sec-Fetch-Site": "same-origin", Cookie: cookie };
    if (token) headers["X-CSRF-Token"] = token;
    const res = await a.request(`${ORIGIN}${path}`, { method: "POST", headers });
    const set = res.headers.getSetCookie()[0];
    if (set) cookie = set.slice(0, set.indexOf(";"));
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
    const body = (await res.json()) as { count: number; token?: string };
    if (body.token) token = body.token;
    return body.count;
  };
  return { post };
}

export function csrfRoundTrip(): { cases: Case[] } {
  const cases = ROUND_TRIP_PAYLOADS.flatMap((payload) =>
    [PLAIN, WITH_TOKEN].map((contender): Case => ({
      contender,
      variant: payload.label,
      async prepare() {
        const withToken = contender === WITH_TOKEN;
        const c = await client(payload.data, withToken);
        await c.post("/start");
        if (withToken) {
          // the first token comes with a page of the session; /inc refuses until then
          check((await c.post("/inc").catch(() => "refused")) === "refused", contender, "a post without a token was accepted");
          await c.post("/token");
        }
        check((await c.post("/inc")) === 1, contender, "the counter did not go to 1");
        return () => c.post("/inc");
      },
    })),
  );
  return { cases };
}
