/**
 * What scripts/test-runtimes.mjs asks of a runtime and what the runtime answers, the same everywhere: Node,
 * Bun and Deno take the command as their first argument and print the report on one marked line; the Edge
 * Runtime and workerd take it as the body of a request and answer it as JSON.
 *
 *   { "mode": "run" }                         every scenario through every lane, and this runtime's fixture
 *   { "mode": "open", "fixtures": [...] }     open the other runtimes' fixtures
 */
import type { Handler } from "./app.js";
import { openFixture, sealFixture, type Fixture } from "./interop.js";
import { runScenarios, type Lane, type Result } from "./scenarios.js";

export type Command = { mode: "run" } | { mode: "open"; fixtures: Fixture[] };

export interface Report {
  runtime: string;
  /** The runtime's own version string, where it tells one (the driver knows the others'). */
  version?: string | undefined;
  results: Result[];
  fixture?: Fixture | undefined;
}

/** The line prefix a child process prints its report after, so that other output cannot be mistaken for it. */
export const REPORT_MARK = "@@edge-session-runtimes@@ ";

/** The request header that tells the test server which app a request is for. */
const APP_HEADER = "X-Runtime-App";

/** A runtime's HTTP server, serving one handler at a time on a loopback port. */
export interface Server {
  origin: string;
  close(): Promise<void>;
}

/** What a runtime's entry file provides. */
export interface Host {
  runtime: string;
  version?: string | undefined;
  /** Starts the runtime's own HTTP server on 127.0.0.1 (any free port); absent where there is none. */
  serve?: (handler: Handler) => Promise<Server>;
  /** The lane's name for requests through that server, e.g. "hono over Bun.serve". */
  serverName?: string;
}

export async function runCommand(command: Command, host: Host): Promise<Report> {
  const { runtime, version } = host;
  if (command.mode === "open") {
    const results: Result[] = [];
    for (const fixture of command.fixtures) results.push(await openFixture(fixture));
    return { runtime, version, results };
  }
  const lanes: Lane[] = [
    { name: "hono", flavour: "hono" },
    { name: "engine", flavour: "engine" },
    { name: "hono from edge-session/cookie", flavour: "cookie-entry" },
  ];
  let server: Server | undefined;
  if (host.serve) {
    // One server for every scenario: each app it reaches gets a number, which its client's requests carry.
    const apps: Handler[] = [];
    const missing = async () => new Response("no such app", { status: 404 });
    server = await host.serve((request) => {
      const app = request.headers.get(APP_HEADER);
      return ((app === null ? undefined : apps[Number(app)]) ?? missing)(request);
    });
    const { origin } = server;
    const reach = (handler: Handler): Handler => {
      const app = String(apps.push(handler) - 1);
      return (request) => {
        const url = new URL(request.url);
        const forwarded = new Request(`${origin}${url.pathname}${url.search}`, request);
        forwarded.headers.set(APP_HEADER, app);
        return fetch(forwarded);
      };
    };
    lanes.push({ name: host.serverName ?? "hono over http", flavour: "hono", reach });
  }
  try {
    const results = await runScenarios(lanes);
    return { runtime, version, results, fixture: await sealFixture(runtime) };
  } finally {
    await server?.close();
  }
}

/** The entry of a runtime that runs as a child process: command from the first argument, report on stdout. */
export async function runFromArguments(argv: readonly string[], host: Host): Promise<void> {
  const command = JSON.parse(argv[0] ?? '{"mode":"run"}') as Command;
  console.log(REPORT_MARK + JSON.stringify(await runCommand(command, host)));
}
