import { Hono, type Context } from "hono";
import { currentUser, requireUser } from "../bank-session.js";
import type { BankEnv } from "../env.js";
import { formatCents } from "../money.js";
import { reviewPage, transferPage } from "../pages/transfer.js";
import { checkDraft, draftFromForm } from "../transfer.js";

/** The transfer form: typed -> reviewed -> sent. The draft lives in the session between the steps. */
export const transferRoutes = new Hono<BankEnv>();

transferRoutes.use("/transfer", requireUser);
transferRoutes.use("/transfer/*", requireUser);

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

transferRoutes.get("/transfer/review", async (c) => {
  const { user, balance } = await account(c);
  const draft = await c.var.session.get("draft");
  const checked = draft && checkDraft(draft, { balance, iban: user.iban });
  if (!checked?.ok) return c.redirect("/transfer", 303);
  return c.html(reviewPage(c, { user, transfer: checked.transfer }));
});

transferRoutes.post("/transfer/send", async (c) => {
  const { user, balance } = await account(c);
  const s = c.var.session;
  const draft = await s.get("draft");
  // Checked again: the balance may have changed in another tab since the review.
  const checked = draft && checkDraft(draft, { balance, iban: user.iban });
  if (!checked?.ok) return c.redirect("/transfer", 303);
  const { transfer } = checked;
  s.set("balance", balance - transfer.amount);
  s.set("recent", [{ at: Date.now(), ...transfer }, ...((await s.get("recent")) ?? [])].slice(0, 5));
  s.delete("draft");
  s.flash("notice", `Transfer sent: ${formatCents(transfer.amount)} to ${transfer.payee}.`);
  return c.redirect("/account", 303);
});

transferRoutes.post("/transfer/discard", (c) => {
  c.var.session.delete("draft");
  c.var.session.flash("notice", "Draft discarded.");
  return c.redirect("/account", 303);
});
