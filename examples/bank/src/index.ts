/**
 * Edge Bank: the edge-session demo. A small online bank as plain HTML pages, served by `npm start`
 * (wrangler dev). A real app imports from "edge-session"; the demo uses the source next door.
 */
import { Hono } from "hono";
import { csrf } from "hono/csrf";
import { html } from "hono/html";
import { HTTPException } from "hono/http-exception";
import { NONCE, secureHeaders } from "hono/secure-headers";
import { bindingEndpoints, requireBinding } from "../../../src/dbsc/index.js";
import { SessionBindingError, SessionConfigError, SessionCsrfError, SessionStoreError } from "../../../src/index.js";
import { bankSession, MissingSecretError } from "./bank-session.js";
import { binding } from "./binding.js";
import { e2eClockRoutes } from "./e2e-clock.js";
import type { BankEnv } from "./env.js";
import { errorPage } from "./pages/error.js";
import { accountRoutes } from "./routes/account.js";
import { authRoutes } from "./routes/auth.js";
import { deviceRoutes } from "./routes/devices.js";
import { statementRoutes } from "./routes/statement.js";
import { transferRoutes } from "./routes/transfer.js";

const app = new Hono<BankEnv>();

app.use(
  secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      scriptSrc: [NONCE],
      styleSrc: [NONCE],
      connectSrc: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
    },
    // Hono's default (no-referrer) makes browsers send "Origin: null" with our own forms.
    referrerPolicy: "same-origin",
  }),
);
// Every form posts to this origin only: a POST whose Origin / Sec-Fetch-Site says another site gets a 403.
app.use(csrf());
app.use(bankSession());
// DBSC: the registration and refresh endpoints; the account's pages need a bound session's bound cookie.
app.use(bindingEndpoints(binding));
for (const path of ["/account", "/account/*", "/transfer", "/transfer/*", "/statement", "/statement/*", "/devices", "/devices/*"]) {
  app.use(path, requireBinding(binding, { onRefused: "throw" }));
}

app.route("/", authRoutes);
app.route("/", accountRoutes);
app.route("/", transferRoutes);
app.route("/", statementRoutes);
app.route("/", deviceRoutes);
// Test-only: a 404 unless the Worker runs with E2E_CLOCK = "1" (the browser suite's clock, see e2e-clock.ts).
app.route("/", e2eClockRoutes);

app.notFound((c) => c.html(errorPage(c, "Page not found", "There is nothing at this address."), 404));

app.onError((err, c) => {
  if (err instanceof HTTPException && err.status === 403) {
    return c.html(errorPage(c, "Request refused", "This form was not sent from an Edge Bank page (CSRF protection)."), 403);
  }
  if (err instanceof SessionCsrfError) {
    // The form did not carry this session's token: forged, or a page from before the last login. Never cached.
    c.header("Cache-Control", "no-store");
    return c.html(
      errorPage(
        c,
        "Request refused",
        "This form was not sent from a page of your current session (CSRF protection). Reload the page and try again.",
      ),
      403,
    );
  }
  if (err instanceof SessionBindingError) {
    // A session bound to a device key, without its bound cookie: a copied session cookie, not the browser that holds the key.
    c.header("Cache-Control", "no-store");
    return c.html(errorPage(c, "Not this device", "This session is bound to another device. Log in again on this one."), 401);
  }
  if (err instanceof SessionStoreError) {
    c.header("Retry-After", "1");
    return c.html(errorPage(c, "Please try again", "Session storage is unavailable for a moment; nothing was changed."), 503);
  }
  if (err instanceof MissingSecretError) {
    return c.html(
      errorPage(
        c,
        "SESSION_SECRET is not set",
        html`Run <code>npm start</code>, which writes a random one to <code>.dev.vars</code>, or
        <code>npx wrangler secret put SESSION_SECRET</code> for a deployed Worker.`,
      ),
      500,
    );
  }
  if (err instanceof SessionConfigError) {
    // Its message names the setting and never the secret itself.
    return c.html(errorPage(c, "Session settings are not valid", `${err.message}.`), 500);
  }
  console.error("unexpected error", err instanceof Error ? err.name : typeof err);
  return c.html(errorPage(c, "Something went wrong", "The bank could not handle this request."), 500);
});

export default app;
export { SessionObject } from "../../../src/durable-object/index.js";
