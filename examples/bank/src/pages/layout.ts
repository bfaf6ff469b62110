import type { Context } from "hono";
import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { DemoUser } from "../users.js";
import { PAGE_SCRIPT } from "./script.js";
import { STYLES } from "./styles.js";

type Body = HtmlEscapedString | Promise<HtmlEscapedString>;

export interface PageOptions {
  title: string;
  /** Shown in the header with the navigation and a logout button. */
  user?: DemoUser | undefined;
  /** A one-time message (flash) shown above the content. */
  notice?: string | undefined;
  body: Body;
}

/** The HTML shell every page shares. Inline style and script carry the CSP nonce of this response. */
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
</body>
</html>`;
}
