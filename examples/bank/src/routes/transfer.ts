import { Hono, type Context } from "hono";
import { currentUser, requireToken, requireUser } from "../bank-session.js";
import { bankNow } from "../e2e-clock.js";
import { settingsOf, type BankEnv } from "../env.js";
import { formatCents } from "../money.js";
import { confirmPage, reviewPage, transferPage } from "../pages/transfer.js";
import { checkDraft, draftFromForm, STEP_UP_THRESHOLD, type SentTransfer } from "../transfer.js";
import { checkLogin, type DemoUser } from "../users.js";

/**
 * The transfer form: typed -> reviewed -> sent. The draft lives in the session between the steps. A transfer
 * over STEP_UP_THRESHOLD asks for the password again (step-up) unless the session authenticated (login, or an
 * earlier confirmation) at most STEP_UP_MAX_AGE seconds ago.
 */
export const transferRoutes = new Hono<BankEnv>();

transferRoutes.use("/transfer", requireUser, requireToken);
transferRoutes.use("/transfer/*", requireUser, requireToken);

async function account(c: Context<BankEnv>) {
  const user = (await currentUser(c))!;
  const balance = (await c.var.session.get("balance")) ?? user.openingBalance;
  return { user, balance };
}

transferRoutes.get("/transfer", async (c) => {
  const { user, balance } = await account(c);
  return c.html(transferPage(c, { user, balance, draft: await c.var.session.get("draft"), errors: {} }));
});

transferRoutes.post("/transfer", async (c) => {
  const { user, balance } = await account(c);
  const draft = draftFromForm(await c.req.parseBody());
  c.var.session.set("draft", draft);
  const checked = checkDraft(draft, { balance, iban: user.iban });
  if (!checked.ok) return c.html(transferPage(c, { user, balance, draft, errors: checked.errors }), 422);
  return c.redirect("/transfer/review", 303);
});

/** The draft, checked against the account as it is now; undefined when there is none or it no longer passes. */
async function checkedTransfer(c: Context<BankEnv>) {
  const { user, balance } = await account(c);
  const draft = await c.var.session.get("draft");
  const checked = draft && checkDraft(draft, { balance, iban: user.iban });
  return checked?.ok ? { user, balance, transfer: checked.transfer } : undefined;
}

/** The password must be given again for this amount: the last one (login, confirmation) is too old, or unknown. */
function stepUpDue(c: Context<BankEnv>, amount: number): boolean {
  if (amount <= STEP_UP_THRESHOLD) return false;
  const ago = c.var.session.authenticatedAgo(); // sealed in the session: the browser cannot make it younger
  return ago === undefined || ago > settingsOf(c.env).stepUpMaxAge;
}

/** Sends the transfer: one debit, then the draft goes, so a second click finds nothing to send. */
async function send(c: Context<BankEnv>, balance: number, transfer: Omit<SentTransfer, "at">) {
  const s = c.var.session;
  s.set("balance", balance - transfer.amount);
  s.set("recent", [{ at: bankNow(), ...transfer }, ...((await s.get("recent")) ?? [])].slice(0, 5));
  s.delete("draft");
  s.flash("notice", `Transfer sent: ${formatCents(transfer.amount)} to ${transfer.payee}.`);
  return c.redirect("/account", 303);
}

transferRoutes.get("/transfer/review", async (c) => {
  const checked = await checkedTransfer(c);
  if (!checked) return c.redirect("/transfer", 303);
  return c.html(reviewPage(c, { user: checked.user, transfer: checked.transfer, asksPassword: stepUpDue(c, checked.transfer.amount) }));
});

transferRoutes.post("/transfer/send", async (c) => {
  // Checked again: the balance may have changed in another tab since the review.
  const checked = await checkedTransfer(c);
  if (!checked) return c.redirect("/transfer", 303);
  if (stepUpDue(c, checked.transfer.amount)) return c.redirect("/transfer/confirm", 303);
  return send(c, checked.balance, checked.transfer);
});

/** "Confirm it's you": the password again, for this transfer. */
transferRoutes.get("/transfer/confirm", async (c) => {
  const checked = await checkedTransfer(c);
  if (!checked) return c.redirect("/transfer", 303);
  return c.html(confirmPage(c, { user: checked.user, transfer: checked.transfer, failed: false }));
});

transferRoutes.post("/transfer/confirm", async (c) => {
  const checked = await checkedTransfer(c);
  if (!checked) return c.redirect("/transfer", 303);
  const form = await c.req.parseBody();
  const password = typeof form.password === "string" ? form.password.slice(0, 200) : "";
  if (!(await passwordMatches(checked.user, password))) {
    return c.html(confirmPage(c, { user: checked.user, transfer: checked.transfer, failed: true }), 401);
  }
  // Recorded (sealed) before the transfer completes, in the same response: the next large transfer within
  // STEP_UP_MAX_AGE seconds goes through without asking.
  c.var.session.authenticate();
  return send(c, checked.balance, checked.transfer);
});

async function passwordMatches(user: DemoUser, password: string): Promise<boolean> {
  return (await checkLogin(user.username, password))?.username === user.username;
}

transferRoutes.post("/transfer/discard", (c) => {
  c.var.session.delete("draft");
  c.var.session.flash("notice", "Draft discarded.");
  return c.redirect("/account", 303);
});
