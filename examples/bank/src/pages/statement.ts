import type { Context } from "hono";
import { html } from "hono/html";
import type { SessionReport } from "../bank-session.js";
import { formatCents } from "../money.js";
import type { StatementLine } from "../statement.js";
import type { DemoUser } from "../users.js";
import { sessionCard } from "./account.js";
import { csrfField } from "./csrf.js";
import { page } from "./layout.js";

export interface StatementView {
  user: DemoUser;
  lines: StatementLine[];
  report: SessionReport;
  idleTimeout: number;
  notice?: string | undefined;
}

export function statementPage(c: Context, { user, lines, report, idleTimeout, notice }: StatementView) {
  return page(c, {
    title: "Statement",
    user,
    notice,
    body: html`
<h1>Statement</h1>
<p class="muted">Each month you load is kept in your session, so you can watch it outgrow the 4 KB cookie
(or, with <code>COOKIE_CHUNKS</code>, that many cookies) and spill over to KV, then shrink back when you drop
months or clear it.</p>
<div class="actions">
  <form method="post" action="/statement/more">${csrfField(c)}<button type="submit" id="load-more">Load an older month</button></form>
  <form method="post" action="/statement/less">${csrfField(c)}<button type="submit" class="secondary" id="drop-month">Drop the oldest month</button></form>
  <form method="post" action="/statement/clear">${csrfField(c)}<button type="submit" class="secondary" id="clear">Clear statement</button></form>
</div>
${sessionCard(report, idleTimeout)}
<div class="card">
  <h2>${lines.length} transactions</h2>
  ${
    lines.length
      ? html`<table id="statement"><tr><th>Date</th><th>Description</th><th class="amount">Amount</th></tr>
    ${lines.map((l) => html`<tr><td>${l.d}</td><td>${l.t}</td><td class="amount">${formatCents(l.a)}</td></tr>`)}</table>`
      : html`<p class="muted">Nothing loaded yet.</p>`
  }
</div>`,
  });
}
