/** Node (20 or later) with @hono/node-server: `SESSION_SECRET=... PORT=3000 node node.js` once compiled or bundled. */
import { serve } from "@hono/node-server";
import { visitsApp } from "./app.js";

declare const process: { env: Record<string, string | undefined> }; // from @types/node in a Node project

const app = visitsApp(process.env.SESSION_SECRET);
serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000) }, ({ port }) => console.log(`listening on http://localhost:${port}`));
