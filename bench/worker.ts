/**
 * The bench Worker: prepares a scenario inside workerd and runs the batches bench/run.mjs asks for, so that
 * operations are timed in-isolate (`POST { prepare }` answers the case labels, `POST { index, iterations }`
 * the wall time of one batch in ms; scenarios get the `SESSIONS` KV binding). `POST { kvOps: true }` counts KV and Durable Object operations on its
 * `SESSIONS` and `SESSION_OBJECTS` bindings; `POST { revocationTrace: true }` counts what revocation checks
 * cost over a traffic trace.
 */
import type { SessionObjectNamespace } from "../src/index.js";
import { runKvOps } from "./kv-ops.js";
import { runRevocationTrace } from "./revocation-trace.js";
import { prepareScenario, runBatch, type ScenarioName } from "./suite.js";

/** The Durable Object class bound as SESSION_OBJECTS (bench/run.mjs): SessionObject, its storage writes counted. */
export { CountedSessionObject } from "./counting.js";

type Command = { prepare: ScenarioName } | { index: number; iterations: number } | { kvOps: true } | { revocationTrace: true };

export default {
  async fetch(request: Request, env: { SESSIONS: KVNamespace; SESSION_OBJECTS: SessionObjectNamespace }): Promise<Response> {
    const command = await request.json<Command>();
    try {
      if ("prepare" in command) return Response.json(await prepareScenario(command.prepare, env.SESSIONS));
      if ("kvOps" in command) return Response.json(await runKvOps(env.SESSIONS, env.SESSION_OBJECTS));
      if ("revocationTrace" in command) return Response.json(await runRevocationTrace(env.SESSIONS, env.SESSION_OBJECTS));
      return Response.json(await runBatch(command.index, command.iterations));
    } catch (error) {
      return new Response(error instanceof Error ? (error.stack ?? error.message) : String(error), { status: 500 });
    }
  },
};
