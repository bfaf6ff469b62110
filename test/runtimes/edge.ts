/**
 * The runtime suite in Vercel's Edge Runtime (the `edge-runtime` package runs this script in its sandbox):
 * the command comes as a fetch event, as requests reach an Edge Function, and the report goes back as JSON.
 * There is no server of its own: both flavours run in-process.
 */
import { runCommand, type Command } from "./protocol.js";

/** The global by which code tells it runs in Vercel's Edge Runtime ("edge-runtime"). */
declare const EdgeRuntime: unknown;

addEventListener("fetch", (event) => {
  event.respondWith(
    (async () => {
      // A bundle that ran in plain Node by mistake would pass without proving anything about the sandbox.
      if (typeof EdgeRuntime !== "string") return new Response("not inside the Edge Runtime sandbox", { status: 500 });
      return Response.json(await runCommand(await event.request.json<Command>(), { runtime: "edge-runtime" }));
    })(),
  );
});
