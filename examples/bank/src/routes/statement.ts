import { Hono } from "hono";
import { currentUser, requireToken, requireUser, sessionReport } from "../bank-session.js";
import { bankNow } from "../e2e-clock.js";
import { settingsOf, type BankEnv } from "../env.js";
import { statementPage } from "../pages/statement.js";
import { LINES_PER_PAGE, MAX_MONTHS, statementMonth } from "../statement.js";

/** The statement: a page that grows the session on purpose, past the cookie limit and into KV, and shrinks it back. */
export const statementRoutes = new Hono<BankEnv>();

statementRoutes.use("/statement", requireUser, requireToken);
statementRoutes.use("/statement/*", requireUser, requireToken);

statementRoutes.get("/statement", async (c) => {
  const s = c.var.session;
  return c.html(
    statementPage(c, {
      user: (await currentUser(c))!,
      lines: (await s.get("statement")) ?? [],
      report: await sessionReport(c),
      idleTimeout: settingsOf(c.env).idleTimeout,
      notice: await s.takeFlash<string>("notice"),
    }),
  );
});

statementRoutes.post("/statement/more", async (c) => {
  const s = c.var.session;
  const lines = (await s.get("statement")) ?? [];
  const month = Math.floor(lines.length / LINES_PER_PAGE);
  if (month >= MAX_MONTHS) s.flash("notice", `Your history goes back ${MAX_MONTHS} months.`);
  else s.set("statement", [...lines, ...statementMonth(month, new Date(bankNow()))]);
  return c.redirect("/statement", 303);
});

statementRoutes.post("/statement/less", async (c) => {
  const s = c.var.session;
  const lines = (await s.get("statement")) ?? [];
  // The oldest month goes: the session shrinks by one step (from KV back into the cookies, one chunk at a time).
  if (lines.length > LINES_PER_PAGE) s.set("statement", lines.slice(0, -LINES_PER_PAGE));
  else s.delete("statement");
  return c.redirect("/statement", 303);
});

statementRoutes.post("/statement/clear", (c) => {
  c.var.session.delete("statement");
  c.var.session.flash("notice", "Statement cleared.");
  return c.redirect("/statement", 303);
});
