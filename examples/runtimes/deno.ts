/** Deno serves a default export with `fetch`: `SESSION_SECRET=... deno serve --allow-env=SESSION_SECRET deno.ts`. */
import { visitsApp } from "./app.js";

declare const Deno: { env: { get(name: string): string | undefined } }; // built into Deno's own types

export default { fetch: visitsApp(Deno.env.get("SESSION_SECRET")).fetch };
