/**
 * The idle warning, in the browser: polls the session's status (without extending it), warns `warnBefore`
 * seconds before the deadline with a "Stay signed in" button, goes to the login page once the server says the
 * session is over, and keeps the tabs of the browser in step. Dependency-free and CSP-friendly: no eval, no
 * inline script or style, no innerHTML. `edge-session/idle-warning` serves the same code as a script file.
 */
import { SessionConfigError } from "../../core/errors.js";
import { resolveIdleWarningOptions, type IdleWarningOptions } from "./options.js";
import {
  delayUntil,
  minutesSeconds,
  readMessage,
  readStatus,
  replaces,
  stepOf,
  viewOf,
  type SessionView,
  type SessionStatus,
  type TabMessage,
} from "../state.js";

export type { IdleWarningOptions } from "./options.js";

/** The running idle warning of a page. */
export interface IdleWarning {
  /** What the "Stay signed in" button does: one request to `stayUrl`, which rolls the session; every tab hears of it. */
  staySignedIn(): Promise<void>;
  /** Stops polling, the timers and listening to the other tabs, and hides the warning. */
  stop(): void;
}

/**
 * Dispatched on `document` whenever the script learns the session's status (from the server or another
 * tab), for a page that shows a countdown of its own. `detail` is {@link IdleWarningStatus}.
 */
export const IDLE_WARNING_STATUS_EVENT = "edge-session:status";

/** `detail` of {@link IDLE_WARNING_STATUS_EVENT}. */
export interface IdleWarningStatus {
  active: boolean;
  /** When the server stops accepting the session, ms since epoch on this browser's clock; null when never. */
  deadline: number | null;
  /** "Stay signed in" can move the deadline (the idle limit comes first, not the absolute one). */
  extendable: boolean;
}

/** id of the warning the script adds when the app brings none (`dialog` option). */
const DEFAULT_DIALOG_ID = "edge-session-idle-warning";
/** At the deadline the server is asked until it agrees the session is over, once a second, at most this often. */
const DEADLINE_CHECKS = 10;
/** After another tab's logout, the server is asked again after these delays (its logout may still be on the way). */
const LOGOUT_CHECKS = [250, 500, 1000, 2000];

/**
 * Starts the idle warning on this page (once the app's own `dialog` element, if any, is in the document).
 * Throws {@link SessionConfigError} for bad options.
 *
 * @example
 * ```ts
 * import { startIdleWarning } from "edge-session/idle-warning/browser";
 * startIdleWarning({ statusUrl: "/session/status", stayUrl: "/session/stay", loginUrl: "/login", warnBefore: 120 });
 * ```
 */
export function startIdleWarning(options: IdleWarningOptions = {}): IdleWarning {
  const config = resolveIdleWarningOptions(options);
  const ui = warningElements(config.dialog);
  let view: SessionView | undefined;
  /** performance.now() when `view` was learned: a request sent after it gets the truth (monotonic, unlike Date.now()). */
  let learnedAt = -Infinity;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let ticker: ReturnType<typeof setInterval> | undefined;
  let logoutTimer: ReturnType<typeof setTimeout> | undefined;
  let deadlineChecks = 0;
  let leaving = false;
  let stopped = false;

  const tabs = openChannel(config.channel, (message) => {
    // Only this tab's own server answer may send it to the login page: news of a logout is checked first.
    if (message.type === "logout" || !message.status.active) confirmLogout(0);
    else adopt(viewOf(message.status, message.at), false);
  });

  /** Takes a view (see {@link replaces}) and plans what comes next. */
  function adopt(next: SessionView, fresh: boolean): void {
    if (stopped || leaving || !replaces(view, next, fresh)) return;
    view = next;
    learnedAt = performance.now();
    const detail: IdleWarningStatus = { active: next.active, deadline: next.deadline ?? null, extendable: next.extendable };
    document.dispatchEvent(new CustomEvent(IDLE_WARNING_STATUS_EVENT, { detail }));
    if (next.deadline === undefined || next.deadline > Date.now()) deadlineChecks = 0;
    schedule();
  }

  function schedule(): void {
    clearTimeout(timer);
    if (stopped || leaving || !view) return;
    const now = Date.now();
    const step = stepOf(view, now, config.warnBefore);
    if (!step) return hide();
    if (!view.active) return leave();
    if (step.phase === "quiet") {
      hide();
      timer = setTimeout(checkBeforeWarning, delayUntil(step.until, now));
    } else if (step.phase === "warning") {
      show();
      timer = setTimeout(schedule, delayUntil(step.until, now));
    } else {
      show();
      // The deadline by this tab's clock: only the server may say it is over (a page load here would extend it).
      timer = setTimeout(checkAtDeadline, deadlineChecks ? 1000 : 0);
    }
  }

  /** A request the script did not see (another page, a fetch) may have moved the deadline: ask before warning. */
  async function checkBeforeWarning(): Promise<void> {
    if (!(await ask(config.statusUrl, "GET"))) schedule();
  }

  async function checkAtDeadline(): Promise<void> {
    deadlineChecks++;
    // Unreachable, or still not agreeing after a while: leave anyway, the page must not stay on screen.
    if (!(await ask(config.statusUrl, "GET")) || deadlineChecks >= DEADLINE_CHECKS) leave();
  }

  /**
   * Asks the server: the status URL (which does not roll the session) or the stay URL (which does). Takes the
   * answer and tells the other tabs; false when no status came back.
   */
  async function ask(url: string, method: "GET" | "POST"): Promise<boolean> {
    const sentAt = performance.now();
    const status = await request(url, method);
    if (!status || stopped || leaving) return status !== undefined;
    if (!status.active) {
      leave();
      return true;
    }
    const at = Date.now();
    tabs.post({ type: "status", status, at });
    adopt(viewOf(status, at), sentAt >= learnedAt);
    return true;
  }

  async function staySignedIn(): Promise<void> {
    if (stopped || leaving) return;
    if (ui.stay) ui.stay.disabled = true;
    try {
      // A stay endpoint that answers no status (204): ask for it.
      if (!(await ask(config.stayUrl, "POST"))) await ask(config.statusUrl, "GET");
    } finally {
      if (ui.stay) ui.stay.disabled = false;
    }
  }

  /** Another tab logged out; its request may not have reached the server yet, so ask a few times. */
  function confirmLogout(attempt: number): void {
    clearTimeout(logoutTimer);
    void ask(config.statusUrl, "GET").then(() => {
      const delay = LOGOUT_CHECKS[attempt];
      if (!stopped && !leaving && delay !== undefined) logoutTimer = setTimeout(() => confirmLogout(attempt + 1), delay);
    });
  }

  function leave(): void {
    if (leaving || stopped) return;
    leaving = true;
    tabs.post({ type: "logout" });
    location.assign(config.loginUrl);
  }

  function show(): void {
    const update = () => {
      const left = view?.deadline === undefined ? 0 : Math.max(0, Math.ceil((view.deadline - Date.now()) / 1000));
      const text = minutesSeconds(left);
      if (ui.countdown && ui.countdown.textContent !== text) ui.countdown.textContent = text;
    };
    update();
    if (ui.stay) ui.stay.hidden = !view?.extendable;
    ticker ??= setInterval(update, 250);
    ui.open();
  }

  function hide(): void {
    clearInterval(ticker);
    ticker = undefined;
    ui.close();
  }

  const onSubmit = (event: SubmitEvent) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    const action = new URL(event.submitter?.getAttribute("formaction") ?? form.getAttribute("action") ?? "", document.baseURI);
    const logout = new URL(config.logoutUrl, location.origin);
    if (action.origin === logout.origin && action.pathname === logout.pathname) tabs.post({ type: "logout" });
  };
  const poll = () => void ask(config.statusUrl, "GET");
  const onVisible = () => {
    if (document.visibilityState === "visible") poll();
  };
  const onPageShow = (event: PageTransitionEvent) => {
    if (event.persisted) poll(); // back from the back/forward cache: timers were frozen
  };
  ui.stay?.addEventListener("click", () => void staySignedIn());
  document.addEventListener("submit", onSubmit, true);
  document.addEventListener("visibilitychange", onVisible);
  addEventListener("pageshow", onPageShow);
  const polling = setInterval(poll, config.pollInterval * 1000);
  poll();

  return {
    staySignedIn,
    stop() {
      if (stopped) return;
      hide();
      stopped = true;
      clearTimeout(timer);
      clearTimeout(logoutTimer);
      clearInterval(polling);
      tabs.close();
      document.removeEventListener("submit", onSubmit, true);
      document.removeEventListener("visibilitychange", onVisible);
      removeEventListener("pageshow", onPageShow);
    },
  };
}

/** GET or POST `url` with the session cookie; the status it answers, or undefined (an error, a login page...). */
async function request(url: string, method: "GET" | "POST"): Promise<SessionStatus | undefined> {
  try {
    const res = await fetch(url, { method, credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } });
    return res.ok ? readStatus(await res.json()) : undefined;
  } catch {
    return undefined;
  }
}

interface WarningElements {
  stay: HTMLButtonElement | undefined;
  countdown: Element | undefined;
  open(): void;
  close(): void;
}

/** The app's warning element (`dialog` option), checked now, or the script's own, added when first shown. */
function warningElements(id: string | undefined): WarningElements {
  let element: HTMLElement | undefined;
  if (id !== undefined) {
    element = document.getElementById(id) ?? undefined;
    if (!element) throw new SessionConfigError(`idle warning: no element with id ${JSON.stringify(id)} (the dialog option)`);
    if (!element.querySelector("button[data-idle-stay]")) {
      throw new SessionConfigError(`idle warning: #${id} has no <button data-idle-stay> (the "Stay signed in" button)`);
    }
  } else {
    element = defaultDialog();
  }
  const stay = element.querySelector<HTMLButtonElement>("button[data-idle-stay]") ?? undefined;
  const countdown = element.querySelector("[data-idle-countdown]") ?? undefined;
  const dialog = element instanceof HTMLDialogElement ? element : undefined;
  if (!dialog) element.hidden = true;
  return {
    stay,
    countdown,
    open() {
      if (!element.isConnected) document.body.append(element);
      if (dialog) {
        if (!dialog.open) dialog.showModal();
      } else element.hidden = false;
    },
    close() {
      if (dialog) dialog.close();
      else element.hidden = true;
    },
  };
}

/**
 * <dialog id="edge-session-idle-warning" role="alertdialog" aria-labelledby=...>
 *   <p>Your session ends in <strong data-idle-countdown>1:00</strong>.</p>
 *   <button type="button" data-idle-stay>Stay signed in</button>
 * </dialog>
 */
function defaultDialog(): HTMLDialogElement {
  const dialog = document.createElement("dialog");
  dialog.id = DEFAULT_DIALOG_ID;
  dialog.className = DEFAULT_DIALOG_ID;
  dialog.setAttribute("role", "alertdialog");
  dialog.setAttribute("aria-labelledby", `${DEFAULT_DIALOG_ID}-text`);
  const text = document.createElement("p");
  text.id = `${DEFAULT_DIALOG_ID}-text`;
  const countdown = document.createElement("strong");
  countdown.dataset.idleCountdown = "";
  text.append("Your session ends in ", countdown, ".");
  const stay = document.createElement("button");
  stay.type = "button";
  stay.dataset.idleStay = "";
  stay.textContent = "Stay signed in";
  dialog.append(text, stay);
  return dialog;
}

interface Tabs {
  post(message: TabMessage): void;
  close(): void;
}

/** The other tabs of this browser: a BroadcastChannel, or localStorage's `storage` event where there is none. */
function openChannel(name: string, receive: (message: TabMessage) => void): Tabs {
  if (typeof BroadcastChannel === "function") {
    const channel = new BroadcastChannel(name);
    channel.onmessage = (event: MessageEvent) => {
      const message = readMessage(event.data);
      if (message) receive(message);
    };
    return { post: (message) => channel.postMessage(message), close: () => channel.close() };
  }
  const onStorage = (event: StorageEvent) => {
    if (event.key !== name || event.newValue === null) return;
    let value: unknown;
    try {
      value = JSON.parse(event.newValue);
    } catch {
      return;
    }
    const message = readMessage(value);
    if (message) receive(message);
  };
  addEventListener("storage", onStorage);
  return {
    post(message) {
      // `storage` fires only when the value changes: `n` makes two equal messages differ.
      try {
        localStorage.setItem(name, JSON.stringify({ ...message, n: Math.random() }));
      } catch {
        // No storage (a private window, a quota): this tab cannot tell the others; each still polls.
      }
    },
    close: () => removeEventListener("storage", onStorage),
  };
}
