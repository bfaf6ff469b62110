/**
 * Scenario 3: requests that do not change the session, with a valid cookie from the request before.
 * - "read": the handler reads the counter; the session was last sealed moments ago, well within
 *   touchAfter, so edge-session should neither seal nor send Set-Cookie.
 * - "untouched": the route never looks at the session; edge-session is lazy and should cost about the
 *   no-session baseline.
 * Whether each contender still sends a Set-Cookie is recorded beside the timings.
 */
import { check, clientWithSession } from "./client.js";
import { baseline, CONTENDERS, emptyMiddleware, ironSession, type Contender } from "./contenders.js";
import type { Case } from "./harness.js";
import { ROUND_TRIP_PAYLOADS } from "./payloads.js";

/** Contender -> routes ("read"/"untouched") on which it sent a Set-Cookie although nothing changed. */
export type Rewrites = Record<string, string[]>;

export const READ = "read";
export const UNTOUCHED = "untouched";

/**
 * iron-session is called from handlers, so an untouched route never runs it; the empty middleware shows
 * what Hono itself charges for any middleware on that route.
 */
function contendersOf(route: string): readonly Contender[] {
  if (route === READ) return CONTENDERS;
  return [baseline, emptyMiddleware, ...CONTENDERS.filter((c) => c !== baseline && c !== ironSession)];
}

export function readOnly(): { cases: Case[]; notes: () => Rewrites } {
  const rewrites: Rewrites = {};
  const cases = ROUND_TRIP_PAYLOADS.flatMap((payload) =>
    [READ, UNTOUCHED].flatMap((route) =>
      contendersOf(route).map((contender): Case => ({
        contender: contender.name,
        variant: `${route} ${payload.label}`,
        async prepare() {
          const client = await clientWithSession(contender, payload.data);
          const count = await client.count(`/${route}`);
          if (!contender.carried && route === READ) check(count === 1, contender.name, `read ${count}, not 1`);
          if (client.lastSetCookie !== undefined) {
            const routes = (rewrites[contender.name] ??= []);
            if (!routes.includes(route)) routes.push(route);
          }
          if (contender.role === "edge-session") check(client.lastSetCookie === undefined, contender.name, `Set-Cookie on ${route}`);
          return () => client.get(`/${route}`);
        },
      })),
    ),
  );
  return { cases, notes: () => rewrites };
}
