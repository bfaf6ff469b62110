/** The runtime suite on Node: Hono served by @hono/node-server, and both flavours in-process. */
import { serve } from "@hono/node-server";
import { runFromArguments, type Server } from "./protocol.js";

// Node's globals, declared here: the project's types are those of Workers.
declare const process: { version: string; argv: string[] };

await runFromArguments(process.argv.slice(2), {
  runtime: "node",
  version: process.version,
  serverName: "hono over @hono/node-server",
  serve: (fetch) =>
    new Promise<Server>((resolve) => {
      const server = serve({ fetch, hostname: "127.0.0.1", port: 0 }, ({ port }) =>
        resolve({ origin: `http://127.0.0.1:${port}`, close: () => new Promise<void>((done) => server.close(() => done())) }),
      );
    }),
});
