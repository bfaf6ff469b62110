/** Bun serves a default export with `fetch`: `SESSION_SECRET=... bun run bun.ts` (port: $PORT, else 3000). */
import { visitsApp } from "./app.js";

declare const Bun: { env: Record<string, string | undefined> }; // from @types/bun in a Bun project

export default { fetch: visitsApp(Bun.env.SESSION_SECRET).fetch };
