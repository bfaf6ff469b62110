/**
 * The idle-warning script's options and their checks. No DOM and no Workers API here: the browser script and
 * the server (which re-exports the option type) both compile this file, and the tests run it in workerd.
 */
import { SessionConfigError } from "../../core/errors.js";

/**
 * Options of the idle-warning script. The served script (`edge-session/idle-warning`) reads them from its
 * `data-` attributes, named in parentheses; a bundled front-end passes them to `startIdleWarning()`
 * (`edge-session/idle-warning/browser`). URLs are same-origin paths (`/session/status`): the requests must
 * carry the session cookie, and the page never goes to a URL it did not expect.
 */
export interface IdleWarningOptions {
  /** GET, answered by `sessionStatus()`: polled without extending the session (`data-status-url`). Default `/session/status`. */
  statusUrl?: string | undefined;
  /**
   * POSTed by "Stay signed in": any request that rolls the session, e.g. `staySignedIn()`, which answers the
   * new status (else the script polls `statusUrl` after it) (`data-stay-url`). Default `/session/stay`.
   */
  stayUrl?: string | undefined;
  /** Where the page goes once the server says the session is over (`data-login-url`). Default `/login`. */
  loginUrl?: string | undefined;
  /** A form submitted to this path is a logout: the other tabs are told (`data-logout-url`). Default `/logout`. */
  logoutUrl?: string | undefined;
  /** Seconds before the deadline the warning shows (`data-warn-before`), 1 to 86400. Default 60. */
  warnBefore?: number | undefined;
  /** Seconds between status polls (`data-poll-interval`), 1 to 86400. Default 30. */
  pollInterval?: number | undefined;
  /**
   * id of the app's own warning element (`data-dialog`): a `<dialog>` (opened with `showModal()`) or any
   * element (shown by removing `hidden`), holding a `[data-idle-stay]` button and, optionally, a
   * `[data-idle-countdown]` element for the time left. Default: a `<dialog id="edge-session-idle-warning">`
   * the script adds, in English.
   */
  dialog?: string | undefined;
  /** Name of the BroadcastChannel (and localStorage key) the tabs share (`data-channel`). Default `edge-session`. */
  channel?: string | undefined;
}

/** {@link IdleWarningOptions} checked, with the defaults filled in. */
export interface ResolvedIdleWarningOptions {
  statusUrl: string;
  stayUrl: string;
  loginUrl: string;
  logoutUrl: string;
  warnBefore: number;
  pollInterval: number;
  dialog: string | undefined;
  channel: string;
}

const DEFAULTS = {
  statusUrl: "/session/status",
  stayUrl: "/session/stay",
  loginUrl: "/login",
  logoutUrl: "/logout",
  warnBefore: 60,
  pollInterval: 30,
  channel: "edge-session",
} as const;

const URLS = ["statusUrl", "stayUrl", "loginUrl", "logoutUrl"] as const;
const SECONDS = ["warnBefore", "pollInterval"] as const;
const NAMES = ["dialog", "channel"] as const;
const KEYS: readonly string[] = [...URLS, ...SECONDS, ...NAMES];

/**
 * A same-origin path: one leading slash (never `//host` or `/\host`, which browsers read as another host), no
 * scheme (never `javascript:`), no whitespace or control characters.
 */
const PATH = /^\/(?![/\\])[^\s\u0000-\u001f\u007f\\]*$/;
/** An id or channel name: printable, no whitespace. */
const NAME = /^[^\s\u0000-\u001f\u007f]{1,100}$/;
const MAX_SECONDS = 86_400;

/** Checks the options of the idle-warning script; throws {@link SessionConfigError} naming the bad one. */
export function resolveIdleWarningOptions(options: IdleWarningOptions = {}): ResolvedIdleWarningOptions {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new SessionConfigError("idle warning: options must be an object");
  }
  for (const key of Object.keys(options)) {
    if (!KEYS.includes(key))
      throw new SessionConfigError(`idle warning: unknown option ${JSON.stringify(key)} (expected ${KEYS.join(", ")})`);
  }
  const given = (key: keyof IdleWarningOptions): unknown => options[key];
  const resolved = { ...DEFAULTS, dialog: undefined } as ResolvedIdleWarningOptions;
  for (const key of URLS) {
    const value = given(key);
    if (value === undefined) continue;
    if (typeof value !== "string" || !PATH.test(value)) {
      throw new SessionConfigError(`idle warning: ${key} must be a path on this site starting with one "/" (e.g. "${DEFAULTS[key]}")`);
    }
    resolved[key] = value;
  }
  for (const key of SECONDS) {
    const value = given(key);
    if (value === undefined) continue;
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1 || value > MAX_SECONDS) {
      throw new SessionConfigError(`idle warning: ${key} must be a whole number of seconds from 1 to ${MAX_SECONDS}`);
    }
    resolved[key] = value;
  }
  for (const key of NAMES) {
    const value = given(key);
    if (value === undefined) continue;
    if (typeof value !== "string" || !NAME.test(value)) {
      throw new SessionConfigError(`idle warning: ${key} must be 1 to 100 characters without spaces`);
    }
    resolved[key] = value;
  }
  return resolved;
}

/**
 * The options given as the served script's `data-` attributes (`script.dataset`: `data-warn-before="120"` is
 * `warnBefore: "120"`), checked. An attribute the script does not know is refused (a misspelt
 * `data-warn-befor` would otherwise be ignored); numbers must be written as plain digits.
 */
export function idleWarningOptionsFromDataset(dataset: Readonly<Record<string, string | undefined>>): ResolvedIdleWarningOptions {
  const options: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(dataset)) {
    if (value === undefined) continue;
    if (!KEYS.includes(key)) {
      const attribute = `data-${key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
      throw new SessionConfigError(`idle warning: unknown attribute ${attribute} on its script element`);
    }
    if ((SECONDS as readonly string[]).includes(key)) {
      if (!/^\d{1,6}$/.test(value))
        throw new SessionConfigError(`idle warning: ${key} must be a whole number of seconds from 1 to ${MAX_SECONDS}`);
      options[key] = Number(value);
    } else {
      options[key] = value;
    }
  }
  return resolveIdleWarningOptions(options);
}
