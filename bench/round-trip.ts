/**
 * Scenario 2: a full Hono round trip per request. `app.request()` carries the previous response's cookie;
 * the handler reads the counter, increments it and writes it back, so every session contender opens and
 * re-seals its cookie on every request.
 */
import { check, clientWithSession } from "./client.js";
import { CONTENDERS } from "./contenders.js";
import type { Case } from "./harness.js";
import { ROUND_TRIP_PAYLOADS } from "./payloads.js";

export function roundTrip(): { cases: Case[] } {
  const cases = ROUND_TRIP_PAYLOADS.flatMap((payload) =>
    CONTENDERS.map((contender): Case => ({
      contender: contender.name,
      variant: payload.label,
      async prepare() {
        const client = await clientWithSession(contender, payload.data);
        const count = await client.count("/inc");
        if (!contender.carried) {
          check(count === 2, contender.name, `counter went 1, ${count} instead of 1, 2`);
          check(client.lastSetCookie, contender.name, "no Set-Cookie after a write");
        }
        return () => client.get("/inc");
      },
    })),
  );
  return { cases };
}
