import { describe, expect, it } from "vitest";
import { counterApp, jar, testClock } from "./helpers.js";

describe("round trip", () => {
  it("keeps data across requests through the sealed cookie", async () => {
    const clock = testClock();
    const app = counterApp({ now: clock.now });
    const j = jar();
    for (let i = 1; i <= 3; i++) {
      const res = await app.request("/inc", { headers: j.header() });
      j.take(res);
      expect((await res.json()) as { count: number }).toMatchObject({ count: i });
    }
  });
});
