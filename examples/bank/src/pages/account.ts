import type { Context } from "hono";
import { html } from "hono/html";
import type { SessionReport } from "../bank-session.js";
import { formatCents } from "../money.js";
import { formatIban, type SentTransfer } from "../transfer.js";
import type { DemoUser } from "../users.js";
import { bytes, formatDuration, minutesSeconds, time } from "./format.js";
import { page } from "./layout.js";

export interface AccountView {
  user: DemoUser;
  balance: number;
  recent: SentTransfer[];
  hasDraft: boolean;
  report: SessionReport;
  idleTimeout: number;
  notice?: string | undefined;
}

export function accountPage(c: Context, view: AccountView) {
  const { user, balance, recent, hasDraft, report, idleTimeout, notice } = view;
  return page(c, {
    title: "Account",
    user,
    notice,
    body: html`
<h1>Hello, ${user.name}</h1>
<div class="card">
  <div class="muted">Current account · ${formatIban(user.iban)}</div>
  <div class="balance" id="balance">${formatCents(balance)}</div>
  <div class="actions">
    <a class="button" href="/transfer">${hasDraft ? "Continue your transfer" : "New transfer"}</a>
    <a class="button secondary" href="/statement">Statement</a>
  </div>
</div>
${
  recent.length
    ? html`<div class="card"><h2>Recent transfers</h2><table id="recent">
  ${recent.map((t) => html`<tr><td>${time(t.at)}</td><td>${t.payee}<div class="muted">${t.reference}</div></td><td class="amount">−${formatCents(t.amount)}</td></tr>`)}
</table></div>`
    : ""
}
${sessionCard(report, idleTimeout)}`,
  });
}

/** The session's own metadata, live: the point of the demo. */
export function sessionCard(report: SessionReport, idleTimeout: number) {
  return html`<div class="card" id="session">
  <h2>Your session</h2>
  <dl class="meta">
    <dt>Session id</dt><dd><code>${report.id.slice(0, 8)}…</code> (new after every login)</dd>
    <dt>Created</dt><dd id="created">${time(report.created)}</dd>
    <dt>Last used</dt><dd id="last-used">${time(report.lastUsed)}</dd>
    <dt>Idle timeout</dt><dd>${formatDuration(idleTimeout)}</dd>
    <dt>Logged out if idle at</dt><dd id="idle" data-seconds-left="${report.idleSecondsLeft}">${time(report.idleDeadline, "idle-deadline")}
      · in <span class="countdown" id="idle-left">${minutesSeconds(report.idleSecondsLeft)}</span></dd>
    <dt>Absolute deadline</dt><dd id="absolute">${time(report.absoluteDeadline)}</dd>
    <dt>Stored in</dt><dd id="storage">${
      report.storage === "kv"
        ? html`<span class="badge kv">Workers KV</span> too big for a cookie: sealed into KV, the cookie holds a sealed pointer`
        : html`<span class="badge cookie">Cookie</span> sealed (JWE, A256GCM) into ${report.cookieCount > 1 ? "the cookies themselves" : "the cookie itself"}`
    }
      · <span id="cookie-count">${report.cookieCount}</span> ${report.cookieCount === 1 ? "cookie" : "cookies"}</dd>
    <dt>Cookie size</dt><dd id="cookie-size">${bytes(report.cookieBytes)} of ${bytes(report.cookieLimit)}
      <br><meter min="0" max="${report.cookieLimit}" high="${Math.round(report.cookieLimit * 0.9)}" value="${report.cookieBytes}"></meter></dd>
  </dl>
  <p class="muted">The countdown asks the server every 15 s without extending your session; any click on a page does, and so does
  "Stay signed in" on the warning shown before the deadline.</p>
</div>`;
}
