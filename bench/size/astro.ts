// Astro middleware (edge-session/astro); astro itself stays external.
import { sessionMiddleware } from "../../src/astro/index.js";

declare const SESSION_SECRET: string;
export const onRequest = sessionMiddleware<{ user: string }>({ secret: SESSION_SECRET, idleTimeout: 1800 });
