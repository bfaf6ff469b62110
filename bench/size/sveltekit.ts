// SvelteKit's handle hook (edge-session/sveltekit); @sveltejs/kit itself stays external.
import { sessionHandle } from "../../src/sveltekit/index.js";

declare const SESSION_SECRET: string;
export const handle = sessionHandle<{ user: string }>({ secret: SESSION_SECRET, idleTimeout: 1800 });
