import { Hono } from "hono";
import { listSessions, revokeAllSessions, revokeSession } from "../../../../src/index.js";
import { currentUser, requireToken, requireUser } from "../bank-session.js";
import { settingsOf, type BankEnv } from "../env.js";
import { binding } from "../binding.js";
import { devicesPage } from "../pages/devices.js";

/**
 * "Your devices": every session of the user (linked at login), and logging out one or all of the others.
 * Revoked sessions are refused on their next request (the demo runs with revocation checks).
 */
export const deviceRoutes = new Hono<BankEnv>();

deviceRoutes.use("/devices", requireUser, requireToken);
deviceRoutes.use("/devices/*", requireUser, requireToken);

deviceRoutes.get("/devices", async (c) => {
  const s = await c.var.session.load();
  const user = (await currentUser(c))!;
  const sessions = await listSessions(c.env.SESSION_OBJECTS, user.username); // most recently used first
  const current = sessions.filter((d) => d.id === s.id);
  const others = sessions.filter((d) => d.id !== s.id);
  // DBSC: every session's last revocation check reported whether it is key-bound; this request knows its own now.
  const { alg, since } = await binding.status(s);
  return c.html(
    devicesPage(c, {
      user,
      // This device first. The index moves lastUsed at each revocation check (at most recheckAfter behind); this request knows its own exactly.
      devices: [
        ...current.map(({ bound: _, ...d }) => ({
          ...d,
          lastUsed: s.meta.lastUsed,
          current: true,
          ...(alg ? { bound: { alg, since: since ?? 0 } } : {}),
        })),
        ...others.map((d) => ({ ...d, current: false })),
      ],
      idleTimeout: settingsOf(c.env).idleTimeout,
      notice: await s.takeFlash<string>("notice"),
    }),
  );
});

deviceRoutes.post("/devices/log-out", async (c) => {
  const s = await c.var.session.load();
  const user = (await currentUser(c))!;
  const form = await c.req.parseBody();
  const target = typeof form.session === "string" ? form.session : "";
  // Only another session of this user: an id from elsewhere (or this device's own) ends nothing.
  const others = (await listSessions(c.env.SESSION_OBJECTS, user.username)).filter((d) => d.id !== s.id);
  const device = others.find((d) => d.id === target);
  if (device) await revokeSession(c.env.SESSION_OBJECTS, device.id);
  s.flash("notice", device ? `Logged out ${device.device || "that device"}.` : "That device was already logged out.");
  return c.redirect("/devices", 303);
});

deviceRoutes.post("/devices/log-out-others", async (c) => {
  const s = await c.var.session.load();
  const user = (await currentUser(c))!;
  const ended = await revokeAllSessions(c.env.SESSION_OBJECTS, user.username, { except: s.id });
  s.flash("notice", ended ? `Logged out ${ended} other ${ended === 1 ? "device" : "devices"}.` : "No other device was logged in.");
  return c.redirect("/devices", 303);
});
