import { html } from "hono/html";
import type { SessionTooLargeError } from "../../../../src/index.js";
import { bytes } from "./format.js";

/** Explains a refused write in cookie-only mode, with the way out. */
export function tooLargeMessage(err: SessionTooLargeError) {
  return html`<p>Sealed, your session would take ${bytes(err.size)}, over the ${bytes(err.limit)} a browser keeps
  for one cookie, and no overflow store is set up, so this change was not saved.</p>
  <form method="post" action="/statement/clear"><button type="submit">Clear statement</button></form>`;
}
