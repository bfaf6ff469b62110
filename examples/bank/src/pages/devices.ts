import type { Context } from "hono";
import { html } from "hono/html";
import type { DeviceSession } from "../../../../src/index.js";
import type { DemoUser } from "../users.js";
import { dateTime, formatDuration, time } from "./format.js";
import { csrfField } from "./csrf.js";
import { page } from "./layout.js";

export interface DevicesView {
  user: DemoUser;
  /** This device (`current`) first, then the others, most recently used first. */
  devices: (DeviceSession & { current: boolean })[];
  /** The middleware's idle limit: a session without its own (`setLimits()`) is signed out after it. */
  idleTimeout: number;
  notice?: string | undefined;
}

export function devicesPage(c: Context, { user, devices, idleTimeout, notice }: DevicesView) {
  const others = devices.filter((d) => !d.current).length;
  return page(c, {
    title: "Your devices",
    user,
    notice,
    body: html`
<h1>Your devices</h1>
<p class="muted">Every browser logged in to your account. Logging one out ends its session at once: its next
page is the login page, even with a copy of its cookie.</p>
<div class="card">
  <table id="devices">
    <tr><th>Device</th><th>Logged in</th><th>Last used</th><th>Stays signed in</th><th></th></tr>
    ${devices.map(
      (d) => html`<tr${d.current ? html` class="current"` : ""}>
      <td>${d.device || "Unknown device"}${d.current ? html` <span class="badge">This device</span>` : ""}${
        d.bound ? html` <span class="badge">Bound to this device's key (${d.bound.alg})</span>` : ""
      }</td>
      <td>${time(d.created)}</td>
      <td>${time(d.lastUsed)}</td>
      <td class="kept">${kept(d, idleTimeout)}</td>
      <td>${
        d.current
          ? ""
          : html`<form method="post" action="/devices/log-out">${csrfField(c)}<input type="hidden" name="session" value="${d.id}"><button type="submit" class="secondary">Log out this device</button></form>`
      }</td>
    </tr>`,
    )}
  </table>
  <div class="actions">
    <form method="post" action="/devices/log-out-others">${csrfField(c)}<button type="submit" id="log-out-others"${others ? "" : " disabled"}>Log out all other devices</button></form>
  </div>
</div>`,
  });
}

/**
 * How long the device stays signed in, from what its session last reported to the device list: remembered
 * ("Keep me signed in": a cookie that outlives the browser) until its deadline, or until the browser closes;
 * either way signed out after its idle limit. Empty when nothing was reported yet.
 */
function kept(d: DeviceSession, idleTimeout: number) {
  if (d.lifetime === undefined) return "";
  const idle = `signed out after ${formatDuration(d.limits?.idleTimeout ?? idleTimeout)} idle`;
  if (!d.lifetime) return html`Until the browser closes; ${idle}`;
  return d.expiresAt === undefined ? html`Remembered; ${idle}` : html`Remembered until ${dateTime(d.expiresAt)}; ${idle}`;
}
