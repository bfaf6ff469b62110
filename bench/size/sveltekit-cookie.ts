// SvelteKit's handle hook over a cookie-only engine (sessionHandleOver + edge-session/cookie); @sveltejs/kit stays external.
import { sessionEngine } from "../../src/cookie/index.js";
import { sessionHandleOver } from "../../src/sveltekit/index.js";

declare const SESSION_SECRET: string;
export const handle = sessionHandleOver(sessionEngine<{ user: string }>({ secret: SESSION_SECRET, idleTimeout: 1800 }));
