/**
 * The idle warning's shared state: the status the server answers (status.ts) and the script reads, what the
 * script believes about the session, and the messages its tabs exchange. Plain data and pure functions (no
 * DOM, no timers, no server code), so that workerd tests can run them with made-up times.
 */

/**
 * What {@link sessionStatus} and {@link staySignedIn} answer, and the script reads; `null` where no limit applies
 * or there is no session.
 */
export interface SessionStatus {
  /** A session came with the request (and, with the `signedIn` option, belongs to a signed-in user). */
  active: boolean;
  /** Seconds before the session expires for inactivity. */
  idleSecondsLeft: number | null;
  /** Seconds before the server refuses the session (idle or absolute limit, whichever comes first). */
  secondsLeft: number | null;
}

/** The session as one tab knows it. Times in ms of the browser's clock, which every tab of it shares. */
export interface SessionView {
  active: boolean;
  /** When the server stops accepting the session; undefined when it has no limit. */
  deadline: number | undefined;
  /** "Stay signed in" can move the deadline: the idle limit comes first, not the absolute one. */
  extendable: boolean;
}

/** A message between the tabs of one browser (BroadcastChannel, or localStorage's `storage` event). */
export type TabMessage = { type: "status"; status: SessionStatus; at: number } | { type: "logout" };

/** The status in a response body or message, or undefined when `value` is not one (a login page, a forgery). */
export function readStatus(value: unknown): SessionStatus | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { active, idleSecondsLeft, secondsLeft } = value as Record<string, unknown>;
  if (typeof active !== "boolean" || !isSeconds(idleSecondsLeft) || !isSeconds(secondsLeft)) return undefined;
  return { active, idleSecondsLeft, secondsLeft };
}

function isSeconds(value: unknown): value is number | null {
  return value === null || (typeof value === "number" && Number.isSafeInteger(value) && value >= 0);
}

/** What a status received at `at` says. */
export function viewOf(status: SessionStatus, at: number): SessionView {
  const { active, idleSecondsLeft, secondsLeft } = status;
  return {
    active,
    deadline: active && secondsLeft !== null ? at + secondsLeft * 1000 : undefined,
    extendable: active && idleSecondsLeft !== null && idleSecondsLeft === secondsLeft,
  };
}

/**
 * Whether the tab takes `next` instead of `current`. A server answer to a request sent after `current` was
 * learned (`fresh`) is the truth. Anything else (another tab's news, or an answer to a request that was on
 * its way while the tab learned `current`) may be older than what the tab knows: it is taken only when it
 * moves the deadline later, since a live session's deadline only moves forward (a roll elsewhere). Wall-clock
 * order is not used: tabs' messages cross, and the clock can be set back.
 */
export function replaces(current: SessionView | undefined, next: SessionView, fresh: boolean): boolean {
  if (!current || fresh) return true;
  return (next.deadline ?? Infinity) > (current.deadline ?? Infinity);
}

/** What the tab does next: hide the warning until `at`, show it until the deadline, or ask the server now. */
export type Step = { phase: "quiet"; until: number } | { phase: "warning"; until: number; secondsLeft: number } | { phase: "deadline" };

/** The step for `view` at time `now`: a warning from `warnBefore` seconds before the deadline. */
export function stepOf(view: SessionView, now: number, warnBefore: number): Step | undefined {
  if (!view.active) return { phase: "deadline" };
  if (view.deadline === undefined) return undefined; // no limit: nothing to warn about
  if (now >= view.deadline) return { phase: "deadline" };
  const warnAt = view.deadline - warnBefore * 1000;
  if (now < warnAt) return { phase: "quiet", until: warnAt };
  return { phase: "warning", until: view.deadline, secondsLeft: Math.ceil((view.deadline - now) / 1000) };
}

/**
 * setTimeout's delay until `until`: never negative, and never over 2^31 - 1 ms (about 24.8 days), which
 * browsers would take as 0 (a session with a far deadline would otherwise be polled in a tight loop).
 */
export function delayUntil(until: number, now: number): number {
  return Math.min(Math.max(0, until - now), 2_147_483_647);
}

/** The message in a BroadcastChannel event or localStorage value, or undefined when it is not one of ours. */
export function readMessage(value: unknown): TabMessage | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const message = value as Record<string, unknown>;
  if (message.type === "logout") return { type: "logout" };
  if (message.type !== "status" || typeof message.at !== "number" || !Number.isFinite(message.at)) return undefined;
  const status = readStatus(message.status);
  return status && { type: "status", status, at: message.at };
}

/** 75 -> "1:15" */
export function minutesSeconds(seconds: number): string {
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}
