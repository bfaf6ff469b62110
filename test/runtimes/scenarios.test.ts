/**
 * The runtime scenarios (test/runtimes/scenarios.ts) inside workerd with the rest of the suite; `npm run
 * test:runtimes` runs the same ones on Node, Bun, Deno, the Edge Runtime and workerd, and the interoperability
 * check between them.
 */
import { describe, it } from "vitest";
import { openFixture, sealFixture } from "./interop.js";
import { APP_SCENARIOS, DIRECT_SCENARIOS, openerOf } from "./scenarios.js";

for (const flavour of ["hono", "engine"] as const) {
  describe(`runtime scenarios through ${flavour}`, () => {
    const open = openerOf({ name: flavour, flavour });
    for (const scenario of APP_SCENARIOS) it(scenario.name, () => scenario.run(open));
  });
}

describe("runtime scenarios without the app", () => {
  for (const scenario of DIRECT_SCENARIOS) it(scenario.name, () => scenario.run());

  it("interop: a fixture sealed here opens here", async () => {
    const result = await openFixture(await sealFixture("workerd"));
    if (!result.ok) throw new Error(result.error);
  });
});
