// React Router v7 middleware (edge-session/react-router); react-router itself stays external (its createContext() is the key).
import { sessionMiddleware, type SessionContextKey } from "../../src/react-router/index.js";

declare const sessionContext: SessionContextKey<{ user: string }>;
declare const SESSION_SECRET: string;
export const middleware = [sessionMiddleware(sessionContext, { secret: SESSION_SECRET, idleTimeout: 1800 })];
