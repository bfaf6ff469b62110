import type { Context } from "hono";
import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import { page } from "./layout.js";

/** A friendly error page; never shows error internals. */
export function errorPage(c: Context, title: string, message: HtmlEscapedString | Promise<HtmlEscapedString> | string) {
  return page(c, {
    title,
    body: html`<h1>${title}</h1><div class="card" id="error">${message}</div><p><a href="/">Back to your account</a></p>`,
  });
}
