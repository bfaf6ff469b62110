/**
 * Scenario 2: a full Hono round trip per request. `app.request()` carries the previous response's cookie;
 * the handler reads the counter, increments it and writes it back, so every session contender opens and
 * re-seals its cookie on every request.
 */
import { check, Client } from "./client.js";
import { CONTENDERS } from "./contenders.js";
import type { Case } from "./harness.js";
import { ROUND_TRIP_PAYLOADS } from "./payloads.js";

export function roundTrip(): { cases: Case[] } {
  const cases = ROUND_TRIP_PAYLOADS.flatMap((payload) =>
    CONTENDERS.map(
      (contender): Case => ({
        contender: contender.name,
        variant: payload.label,
        async prepare() {
          const client = new Client(await contender.app(payload.data), contender.cookieName);
          const first = await client.count("/inc");
          const second = await client.count("/inc");
          if (contender.role !== "baseline") {
            check(first === 1 && second === 2, contender.name, `counter went ${first}, ${second} instead of 1, 2`);
            check(client.lastSetCookie, contender.name, "no Set-Cookie after a write");
          }
          return () => client.get("/inc");
        },
      }),
    ),
  );
  return { cases };
}
