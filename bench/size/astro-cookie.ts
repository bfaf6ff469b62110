// Astro middleware over a cookie-only engine (sessionMiddlewareOver + edge-session/cookie); astro stays external.
import { sessionEngine } from "../../src/cookie/index.js";
import { sessionMiddlewareOver } from "../../src/astro/index.js";

declare const SESSION_SECRET: string;
export const onRequest = sessionMiddlewareOver(sessionEngine<{ user: string }>({ secret: SESSION_SECRET, idleTimeout: 1800 }));
