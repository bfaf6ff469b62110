import type { MiddlewareHandler } from "hono";
import type { SessionData } from "../core/envelope.js";
import { SessionConfigError, SessionStepUpRequiredError } from "../core/errors.js";
import { registeredSession, type SessionVariables } from "./adapter.js";

/**
 * Hono middleware for sensitive routes (a large transfer, changing the password): lets the request through
 * only when the session authenticated (`session.authenticate()`) at most `seconds` ago, else throws
 * {@link SessionStepUpRequiredError} (401 by default; catch it in `app.onError` and ask for the password
 * again). It reads the session without writing it: the session's deadlines do not move.
 *
 * @example
 * ```ts
 * app.post("/transfer", requireRecentAuth(300), async (c) => ...);
 * app.onError((err, c) => {
 *   if (err instanceof SessionStepUpRequiredError) return c.redirect("/confirm-password");
 *   if (err instanceof SessionError) return err.getResponse(); // the library's own safe answers: 503 with Retry-After, 409...
 *   return c.text("error", 500);
 * });
 * ```
 */
export function requireRecentAuth<Data extends SessionData = SessionData>(
  seconds: number,
): MiddlewareHandler<{ Variables: SessionVariables<Data> }> {
  if (typeof seconds !== "number" || !Number.isSafeInteger(seconds) || seconds < 0) {
    throw new SessionConfigError("requireRecentAuth(seconds) takes a whole number of seconds, at least 0");
  }
  return async function requireRecentAuth(c, next) {
    const session = registeredSession(c, "requireRecentAuth");
    await session.load();
    const ago = session.authenticatedAgo();
    if (ago === undefined || ago > seconds) throw new SessionStepUpRequiredError(seconds, ago);
    await next();
  };
}
