import { Hono, type MiddlewareHandler } from "hono";
import { idleWarningScript } from "../../../../src/idle-warning/index.js";
import { sessionStatus, staySignedIn, type SessionStatus } from "../../../../src/index.js";
import { currentUser, endReasonOf, requireUser, sessionReport } from "../bank-session.js";
import { settingsOf, type BankEnv } from "../env.js";
import { accountPage } from "../pages/account.js";

/** The account page, and the idle warning's script, status and "Stay signed in" endpoints. */
export const accountRoutes = new Hono<BankEnv>();

accountRoutes.get("/", (c) => c.redirect("/account", 303));

accountRoutes.get("/account", requireUser, async (c) => {
  const s = c.var.session;
  const user = (await currentUser(c))!;
  return c.html(
    accountPage(c, {
      user,
      balance: (await s.get("balance")) ?? user.openingBalance,
      recent: (await s.get("recent")) ?? [],
      hasDraft: await s.has("draft"),
      report: await sessionReport(c),
      idleTimeout: settingsOf(c.env).idleTimeout,
      notice: await s.takeFlash<string>("notice"),
    }),
  );
});

/**
 * In front of the idle warning's endpoints: a session without a user (one that only carries the flash of a
 * logout) is "not active" to the script, which then goes to the login page. When the session just ended, the
 * reason is flashed for that page (this response removes the refused cookie, so it could not tell otherwise).
 */
const loggedInOnly: MiddlewareHandler<BankEnv> = async (c, next) => {
  if (await currentUser(c)) return next();
  const s = c.var.session;
  s.skipRoll();
  const ended = endReasonOf(s);
  if (ended) s.flash("ended", ended);
  const status: SessionStatus = { active: false, idleSecondsLeft: null, secondsLeft: null };
  return c.json(status, 200, { "Cache-Control": "no-store" });
};

/** Polled by the idle warning: sessionStatus() calls skipRoll(), so asking how long is left never extends the session. */
accountRoutes.get("/session/status", loggedInOnly, sessionStatus());
/** "Stay signed in": reads the session, which rolls it, and answers the new deadline. */
accountRoutes.post("/session/stay", loggedInOnly, staySignedIn());
/** The pages load it as /session/idle-warning.js?v=<its hash>: a new version is a new URL, so it may be cached for good. */
accountRoutes.get("/session/idle-warning.js", idleWarningScript({ maxAge: 31_536_000, immutable: true }));
