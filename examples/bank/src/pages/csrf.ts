import type { Context } from "hono";
import { html } from "hono/html";
import type { BankEnv } from "../env.js";

/**
 * The hidden field every signed-in form carries: this session's CSRF token, masked afresh for each form (the
 * routes behind `requireToken` refuse a post without it). Rendered when the page is, so it is always the
 * token of the session that shows the page.
 *
 * @example
 * ```ts
 * html`<form method="post" action="/transfer/send">${csrfField(c)}<button>Send now</button></form>`;
 * ```
 */
export async function csrfField(c: Context<BankEnv>) {
  return html`<input type="hidden" name="_csrf" value="${await c.var.session.csrfToken()}">`;
}
