/** The runtime suite on Bun: Hono served by Bun.serve, and both flavours in-process. */
import { runFromArguments } from "./protocol.js";

// Bun's globals, declared here: the project's types are those of Workers.
declare const Bun: {
  version: string;
  serve(options: { hostname: string; port: number; fetch(request: Request): Promise<Response> }): {
    port: number;
    stop(closeActive?: boolean): Promise<void>;
  };
};
declare const process: { argv: string[] };

await runFromArguments(process.argv.slice(2), {
  runtime: "bun",
  version: Bun.version,
  serverName: "hono over Bun.serve",
  async serve(fetch) {
    const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch });
    return { origin: `http://127.0.0.1:${server.port}`, close: () => server.stop(true) };
  },
});
