/**
 * The bench Worker: runs one scenario inside workerd per request and answers its results as JSON, so the
 * timings are taken in-isolate (`POST { scenario, options }`, sent by bench/run.mjs through Miniflare).
 */
import type { TimingOptions } from "./harness.js";
import { SCENARIOS, type ScenarioName } from "./suite.js";

export default {
  async fetch(request: Request): Promise<Response> {
    const { scenario, options } = await request.json<{ scenario: ScenarioName; options: TimingOptions }>();
    try {
      return Response.json(await SCENARIOS[scenario](options));
    } catch (error) {
      return new Response(error instanceof Error ? (error.stack ?? error.message) : String(error), { status: 500 });
    }
  },
};
