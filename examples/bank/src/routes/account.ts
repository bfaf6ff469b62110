import { Hono } from "hono";
import { currentUser, endReasonOf, requireUser, sessionReport } from "../bank-session.js";
import { settingsOf, type BankEnv } from "../env.js";
import { accountPage } from "../pages/account.js";

/** The account page and the countdown's status endpoint. */
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

/** Polled by the countdown. skipRoll(): asking how long is left must not extend the session. */
accountRoutes.get("/session/status", async (c) => {
  const s = c.var.session;
  s.skipRoll();
  await s.load();
  if (!(await currentUser(c))) {
    // The page will go to /login, after this response has removed the refused cookie: tell it why.
    const ended = endReasonOf(s);
    if (ended) s.flash("ended", ended);
    return c.json({ loggedIn: false });
  }
  const report = await sessionReport(c);
  return c.json({ loggedIn: true, idleSecondsLeft: report.idleSecondsLeft, idleDeadline: report.idleDeadline });
});
