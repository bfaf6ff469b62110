/** The runtime suite inside workerd (a Worker started through Miniflare): the command as a request, the report as JSON. */
import { runCommand, type Command } from "./protocol.js";

export default {
  fetch: async (request: Request) => Response.json(await runCommand(await request.json<Command>(), { runtime: "workerd" })),
};
