import type { Context } from "hono";
import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import { IDLE_WARNING_SCRIPT_INTEGRITY } from "../../../../src/idle-warning/index.js";
import { settingsOf } from "../env.js";
import type { DemoUser } from "../users.js";
import { PAGE_SCRIPT } from "./script.js";
import { STYLES } from "./styles.js";

type Body = HtmlEscapedString | Promise<HtmlEscapedString>;

export interface PageOptions {
  title: string;
  /** Shown in the header with the navigation and a logout button; the page then carries the idle warning. */
  user?: DemoUser | undefined;
  /** A one-time message (flash) shown above the content. */
  notice?: string | undefined;
  body: Body;
}

/**
 * The HTML shell every page shares. Inline style and script carry the CSP nonce of this response, and so does
 * the idle warning (edge-session/idle-warning) on the pages of a logged-in user: a script file whose
 * `integrity` makes the browser refuse any other bytes, configured by data- attributes (its status, stay,
 * login and logout URLs are the defaults: /session/status, /session/stay, /login, /logout).
 */
export function page(c: Context, { title, user, notice, body }: PageOptions) {
  const nonce = c.get("secureHeadersNonce") ?? "";
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Edge Bank</title>
<style nonce="${nonce}">${raw(STYLES)}</style>
</head>
<body>
<header class="top">
  <a class="brand" href="/">Edge&nbsp;Bank</a>
  ${
    user
      ? html`<nav>
    <a href="/account">Account</a>
    <a href="/transfer">Transfer</a>
    <a href="/statement">Statement</a>
    <a href="/devices">Devices</a>
    <form method="post" action="/logout"><button class="link" type="submit">Log out</button></form>
  </nav>`
      : ""
  }
</header>
<main>
${notice ? html`<p class="notice" role="status">${notice}</p>` : ""}
${body}
</main>
<footer>A demo of <strong>edge-session</strong>: encrypted, server-enforced sessions for Cloudflare Workers. No real money.</footer>
<script nonce="${nonce}">${raw(PAGE_SCRIPT)}</script>
${
  user
    ? html`<script src="/session/idle-warning.js?v=${encodeURIComponent(IDLE_WARNING_SCRIPT_INTEGRITY)}" integrity="${IDLE_WARNING_SCRIPT_INTEGRITY}"
  nonce="${nonce}" defer data-warn-before="${settingsOf(c.env).warnBefore}" data-poll-interval="15"></script>`
    : ""
}
</body>
</html>`;
}
