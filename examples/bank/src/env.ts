import type { SessionObjectNamespace, SessionVariables } from "../../../src/index.js";
import type { BankSession } from "./bank-session.js";
import type { KvUsage } from "./kv-usage.js";

/** What wrangler.toml, .dev.vars and `wrangler secret put` give the Worker. */
export interface Bindings {
  /** At least 32 characters; several, comma-separated, rotate keys (the first seals). */
  SESSION_SECRET: string;
  /** Seconds of inactivity before logout. Default 300. */
  IDLE_TIMEOUT?: string | undefined;
  /** Seconds after login before the session ends whatever the activity. Default 3600. */
  ABSOLUTE_TIMEOUT?: string | undefined;
  /** Cookies a session may be split over before it spills to KV (`cookie.chunks`, 1 to 10). Default 1. */
  COOKIE_CHUNKS?: string | undefined;
  /** Seconds before the idle deadline the "Stay signed in" warning shows (at most IDLE_TIMEOUT - 2). Default 60. */
  IDLE_WARNING?: string | undefined;
  /** Seconds a password check (login or confirmation) covers transfers over the step-up threshold. Default 60. */
  STEP_UP_MAX_AGE?: string | undefined;
  /** Test-only: "1" opens `POST /__e2e/clock`, which moves the demo's clock (see e2e-clock.ts). Never set in wrangler.toml. */
  E2E_CLOCK?: string | undefined;
  /** Where sessions that outgrow the cookie spill over. */
  SESSIONS: KVNamespace;
  /** Revocation checks and the per-user device list (`SessionObject`, exported by the Worker). */
  SESSION_OBJECTS: SessionObjectNamespace;
}

export type BankEnv = { Bindings: Bindings; Variables: SessionVariables<BankSession> & { kv?: KvUsage } };

/** The demo's session limits, read from [vars]. */
export interface Settings {
  idleTimeout: number;
  absoluteTimeout: number;
  /** `cookie.chunks`: how many cookies a session may take (the library refuses anything but 1 to 10). */
  cookieChunks: number;
  /**
   * The idle warning's `warnBefore`: IDLE_WARNING, at most IDLE_TIMEOUT - 2. The status counts whole seconds
   * left, rounded down, so a session just extended may show one second less than its timeout: a warning that
   * long would open again right after "Stay signed in".
   */
  warnBefore: number;
  /** `authenticatedAgo()` up to which a large transfer needs no new password. */
  stepUpMaxAge: number;
}

export function settingsOf(env: Bindings): Settings {
  const idleTimeout = seconds(env.IDLE_TIMEOUT, "IDLE_TIMEOUT", 300);
  return {
    idleTimeout,
    absoluteTimeout: seconds(env.ABSOLUTE_TIMEOUT, "ABSOLUTE_TIMEOUT", 3600),
    cookieChunks: env.COOKIE_CHUNKS === undefined || env.COOKIE_CHUNKS === "" ? 1 : Number(env.COOKIE_CHUNKS),
    warnBefore: Math.max(1, Math.min(seconds(env.IDLE_WARNING, "IDLE_WARNING", 60), idleTimeout - 2)),
    stepUpMaxAge: seconds(env.STEP_UP_MAX_AGE, "STEP_UP_MAX_AGE", 60),
  };
}

function seconds(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === "") return fallback;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 1) throw new Error(`${name} must be a whole number of seconds, at least 1`);
  return parsed;
}
