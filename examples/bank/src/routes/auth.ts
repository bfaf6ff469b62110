import { Hono } from "hono";
import { linkSession } from "../../../../src/index.js";
import { currentUser, endNotice, REMEMBER_ME } from "../bank-session.js";
import { deviceName } from "../device.js";
import { settingsOf, type BankEnv } from "../env.js";
import { formatDuration } from "../pages/format.js";
import { binding } from "../binding.js";
import { loginPage } from "../pages/login.js";
import { checkLogin } from "../users.js";

/** Login and logout. */
export const authRoutes = new Hono<BankEnv>();

authRoutes.get("/login", async (c) => {
  if (await currentUser(c)) return c.redirect("/account", 303);
  const s = c.var.session;
  const ended = await endNotice(c);
  const { idleTimeout, absoluteTimeout } = settingsOf(c.env);
  const alert =
    ended === "idle"
      ? `You were logged out after ${formatDuration(idleTimeout)} of inactivity.`
      : ended === "absolute"
        ? `Your session ended ${formatDuration(absoluteTimeout)} after you logged in. Please log in again.`
        : ended === "revoked"
          ? "You were logged out from another device."
          : undefined;
  const notice = await s.takeFlash<string>("notice");
  // A session without a user only carried the notice above, the marker of an ended session only its reason:
  // remove the cookie now that the page says it (destroy() removes a marker too), so a reload is quiet.
  if (!s.isNew || ended) s.destroy();
  return c.html(loginPage(c, { alert, notice }));
});

authRoutes.post("/login", async (c) => {
  const form = await c.req.parseBody();
  const username = typeof form.username === "string" ? form.username.slice(0, 100) : "";
  const password = typeof form.password === "string" ? form.password.slice(0, 200) : "";
  const user = await checkLogin(username, password);
  if (!user) return c.html(loginPage(c, { failed: { username } }), 401);

  const s = await c.var.session.load();
  s.regenerate(); // a new id: whatever id a visitor was given before logging in is worthless now (and revoked)
  s.authenticate(); // the password was just checked: large transfers need no new one for a while (STEP_UP_MAX_AGE)
  s.clear();
  s.set("user", user.username);
  s.set("balance", user.openingBalance);
  // "Keep me signed in": a 30-day cookie for this session only; others keep the browser-session default.
  if (form.remember === "on") s.setLimits(REMEMBER_ME);
  s.flash("notice", `Welcome back, ${user.name}.`);
  // After regenerate(): the new id is the one the devices page lists and "log out other devices" ends.
  await linkSession(c.env.SESSION_OBJECTS, s, user.username, { device: deviceName(c.req.header("User-Agent")) });
  // DBSC: a browser that supports it registers a device key for this session (see binding.ts).
  const offer = await binding.offer(s);
  if (offer) c.header("Secure-Session-Registration", offer);
  return c.redirect("/account", 303);
});

authRoutes.post("/logout", (c) => {
  const s = c.var.session;
  s.destroy(); // clears the data, expires the cookie and deletes any KV copy
  s.flash("notice", "You have been logged out.");
  return c.redirect("/login", 303);
});
