// React Router v7 middleware over a cookie-only engine (sessionMiddlewareOver + edge-session/cookie); react-router stays external.
import { sessionEngine } from "../../src/cookie/index.js";
import { sessionMiddlewareOver, type SessionContextKey } from "../../src/react-router/index.js";

declare const sessionContext: SessionContextKey<{ user: string }>;
declare const SESSION_SECRET: string;
export const middleware = [
  sessionMiddlewareOver(sessionContext, sessionEngine<{ user: string }>({ secret: SESSION_SECRET, idleTimeout: 1800 })),
];
