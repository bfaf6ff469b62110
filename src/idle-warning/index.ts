/**
 * edge-session/idle-warning: the idle-warning browser script, to serve from the Worker. The script polls
 * `sessionStatus()`, warns before the idle deadline with a "Stay signed in" button (`staySignedIn()`), goes
 * to the login page at the deadline, and keeps the browser's tabs in step. For a front-end you bundle, the
 * same code is a module: `edge-session/idle-warning/browser`.
 */
export { idleWarningScript, type IdleWarningScriptOptions, type WithRequest } from "./response.js";
export { IDLE_WARNING_SCRIPT, IDLE_WARNING_SCRIPT_INTEGRITY } from "./script.js";
export type { IdleWarningOptions } from "./browser/options.js";
