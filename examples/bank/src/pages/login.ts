import type { Context } from "hono";
import { html } from "hono/html";
import { DEMO_CREDENTIALS } from "../users.js";
import { page } from "./layout.js";

export interface LoginView {
  /** Why the user is here: "You were logged out after 5 minutes of inactivity", etc. */
  alert?: string | undefined;
  notice?: string | undefined;
  /** A failed attempt: the message, and the username to type into the form again. */
  failed?: { username: string } | undefined;
}

export function loginPage(c: Context, { alert, notice, failed }: LoginView) {
  return page(c, {
    title: "Log in",
    notice,
    body: html`
<h1>Log in to your account</h1>
${alert ? html`<p class="alert" role="alert" id="expired">${alert}</p>` : ""}
${failed ? html`<p class="alert" role="alert">Wrong username or password.</p>` : ""}
<div class="card">
  <form method="post" action="/login">
    <label for="username">Username</label>
    <input id="username" name="username" autocomplete="username" required value="${failed?.username ?? ""}">
    <label for="password">Password</label>
    <input id="password" name="password" type="password" autocomplete="current-password" required>
    <label><input id="remember" name="remember" type="checkbox"> Keep me signed in on this device (30 days; large transfers still ask for your password)</label>
    <div class="actions"><button type="submit">Log in</button></div>
  </form>
</div>
<div class="card muted" id="demo-credentials">
  Demo credentials: username <code>${DEMO_CREDENTIALS.username}</code>, password <code>${DEMO_CREDENTIALS.password}</code>.
  The password is checked against a PBKDF2-SHA-256 hash, never stored in clear.
</div>`,
  });
}
