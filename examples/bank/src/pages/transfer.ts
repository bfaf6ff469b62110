import type { Context } from "hono";
import { html } from "hono/html";
import { formatCents } from "../money.js";
import { formatIban, STEP_UP_THRESHOLD, type DraftErrors, type SentTransfer, type TransferDraft } from "../transfer.js";
import type { DemoUser } from "../users.js";
import { csrfField } from "./csrf.js";
import { page } from "./layout.js";

export interface TransferFormView {
  user: DemoUser;
  balance: number;
  draft: TransferDraft | undefined;
  errors: DraftErrors;
}

const LABELS: Record<keyof TransferDraft, string> = {
  payee: "Payee name",
  iban: "Payee IBAN",
  amount: "Amount (EUR)",
  reference: "Reference (optional)",
};

export function transferPage(c: Context, { user, balance, draft, errors }: TransferFormView) {
  const field = (name: keyof TransferDraft, extra = "") => html`
    <label for="${name}">${LABELS[name]}</label>
    <input id="${name}" name="${name}" value="${draft?.[name] ?? ""}" ${errors[name] ? html`aria-invalid="true" aria-describedby="${name}-error"` : ""} ${extra}>
    ${errors[name] ? html`<p class="error" id="${name}-error">${errors[name]}</p>` : ""}`;
  return page(c, {
    title: "New transfer",
    user,
    body: html`
<h1>New transfer</h1>
<p class="muted">Available: ${formatCents(balance)}. ${draft ? "Your draft is kept in your session until you send or discard it." : ""}</p>
<div class="card">
  <form method="post" action="/transfer" novalidate>
    ${csrfField(c)}
    ${field("payee", 'autocomplete="off"')}
    ${field("iban", 'autocomplete="off" spellcheck="false"')}
    ${field("amount", 'inputmode="decimal"')}
    ${field("reference")}
    <div class="actions"><button type="submit">Review transfer</button></div>
  </form>
  ${
    draft
      ? html`<form method="post" action="/transfer/discard">${csrfField(c)}<div class="actions"><button class="secondary" type="submit">Discard draft</button></div></form>`
      : ""
  }
</div>
<p class="muted">Try IBAN <code>DE89 3704 0044 0532 0130 00</code>.</p>`,
  });
}

export interface ReviewView {
  user: DemoUser;
  transfer: Omit<SentTransfer, "at">;
  /** "Send now" will ask for the password first (step-up). */
  asksPassword: boolean;
}

export function reviewPage(c: Context, { user, transfer, asksPassword }: ReviewView) {
  return page(c, {
    title: "Review transfer",
    user,
    body: html`
<h1>Review your transfer</h1>
<div class="card">
  ${transferSummary(transfer)}
  ${asksPassword ? html`<p class="muted" id="step-up-note">Transfers over ${formatCents(STEP_UP_THRESHOLD)} need your password again.</p>` : ""}
  <div class="actions">
    <form method="post" action="/transfer/send">${csrfField(c)}<button type="submit">Send now</button></form>
    <a class="button secondary" href="/transfer">Edit</a>
  </div>
</div>`,
  });
}

export interface ConfirmView {
  user: DemoUser;
  transfer: Omit<SentTransfer, "at">;
  /** The password given was wrong: nothing was sent. */
  failed: boolean;
}

/** Step-up: the password again before a large transfer leaves. */
export function confirmPage(c: Context, { user, transfer, failed }: ConfirmView) {
  return page(c, {
    title: "Confirm it's you",
    user,
    body: html`
<h1>Confirm it's you</h1>
<p class="muted">Transfers over ${formatCents(STEP_UP_THRESHOLD)} need your password again.</p>
${failed ? html`<p class="alert" role="alert" id="step-up-failed">Wrong password. The transfer was not sent.</p>` : ""}
<div class="card">
  ${transferSummary(transfer)}
  <form method="post" action="/transfer/confirm">
    ${csrfField(c)}
    <input type="hidden" name="username" autocomplete="username" value="${user.username}">
    <label for="password">Password</label>
    <input id="password" name="password" type="password" autocomplete="current-password" required>
    <div class="actions"><button type="submit">Confirm and send</button> <a class="button secondary" href="/transfer">Edit</a></div>
  </form>
</div>`,
  });
}

function transferSummary(transfer: Omit<SentTransfer, "at">) {
  return html`<dl class="meta" id="review">
    <dt>To</dt><dd>${transfer.payee}</dd>
    <dt>IBAN</dt><dd>${formatIban(transfer.iban)}</dd>
    <dt>Amount</dt><dd>${formatCents(transfer.amount)}</dd>
    <dt>Reference</dt><dd>${transfer.reference || "—"}</dd>
  </dl>`;
}
