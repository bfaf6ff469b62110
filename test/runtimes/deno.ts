/** The runtime suite on Deno: Hono served by Deno.serve, and both flavours in-process. */
import { runFromArguments } from "./protocol.js";

// Deno's globals, declared here: the project's types are those of Workers.
declare const Deno: {
  args: string[];
  version: { deno: string };
  serve(
    options: { hostname: string; port: number; onListen(address: { port: number }): void },
    handler: (request: Request) => Promise<Response>,
  ): { shutdown(): Promise<void> };
};

await runFromArguments(Deno.args, {
  runtime: "deno",
  version: Deno.version.deno,
  serverName: "hono over Deno.serve",
  serve: (fetch) =>
    new Promise((resolve) => {
      const server = Deno.serve(
        {
          hostname: "127.0.0.1",
          port: 0,
          onListen: ({ port }) => resolve({ origin: `http://127.0.0.1:${port}`, close: () => server.shutdown() }),
        },
        fetch,
      );
    }),
});
