import { Hono } from "hono";
import { idleWarningScript } from "../../../../src/idle-warning/index.js";
import { sessionStatus, staySignedIn, type Session } from "../../../../src/index.js";
import { currentUser, requireUser, sessionReport, type BankSession } from "../bank-session.js";
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
 * A session without a user (one that only carries the flash of a logout) is "not active" to the idle warning,
 * which then goes to the login page. When the poll is the first request to meet a session that ended, the
 * library leaves a marker in its place: the login page still reads why (`s.expired`, `s.invalid`).
 */
const signedIn = async (s: Session<BankSession>) => (await s.get("user")) !== undefined;

/** Polled by the idle warning: sessionStatus() calls skipRoll(), so asking how long is left never extends the session. */
accountRoutes.get("/session/status", sessionStatus({ signedIn }));
/** "Stay signed in": reads the session, which rolls it, and answers the new deadline. */
accountRoutes.post("/session/stay", staySignedIn({ signedIn }));
/** The pages load it as /session/idle-warning.js?v=<its hash>: a new version is a new URL, so it may be cached for good. */
accountRoutes.get("/session/idle-warning.js", idleWarningScript({ maxAge: 31_536_000, immutable: true }));
