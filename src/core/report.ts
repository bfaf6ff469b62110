import { SessionError, type SessionErrorCode } from "./errors.js";

/**
 * Mistakes in the app's code or configuration, not failures of a request: the same one fails every request
 * alike, and a bare 500 tells nobody why.
 */
const PROGRAMMER_ERRORS: ReadonlySet<SessionErrorCode> = new Set(["CONFIG", "NOT_LOADED", "CLOSED", "TOO_LARGE", "SCHEMA"]);
/** Messages logged in this isolate; bounded, as a size in a TOO_LARGE message may vary. */
const logged = new Set<string>();
const LOGGED_KEPT = 64;

/**
 * Logs a programmer error (`CONFIG`, `NOT_LOADED`, `CLOSED`, `TOO_LARGE`, `SCHEMA`) once per isolate with its message,
 * whatever the app's error handler does with it: messages never hold a secret or session data. Other errors
 * (a store that is down, a refused step-up) are the request's, left to the app.
 *
 * @example
 * ```ts
 * await next();
 * if (c.error) logProgrammerError(c.error); // e.g. `s.id` read before `await s.load()`
 * ```
 */
export function logProgrammerError(error: unknown): void {
  if (!(error instanceof SessionError) || !PROGRAMMER_ERRORS.has(error.code)) return;
  const line = `edge-session: ${error.message}`;
  if (logged.has(line)) return;
  if (logged.size >= LOGGED_KEPT) logged.delete(logged.values().next().value!);
  logged.add(line);
  console.error(line);
}
