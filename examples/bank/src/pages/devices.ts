import type { Context } from "hono";
import { html } from "hono/html";
import type { DeviceSession } from "../../../../src/index.js";
import type { DemoUser } from "../users.js";
import { time } from "./format.js";
import { csrfField } from "./csrf.js";
import { page } from "./layout.js";

export interface DevicesView {
  user: DemoUser;
  /** This device (`current`) first, then the others, most recently used first. */
  devices: (DeviceSession & { current: boolean; bound?: string | undefined })[];
  notice?: string | undefined;
}

export function devicesPage(c: Context, { user, devices, notice }: DevicesView) {
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
    <tr><th>Device</th><th>Logged in</th><th>Last used</th><th></th></tr>
    ${devices.map(
      (d) => html`<tr${d.current ? html` class="current"` : ""}>
      <td>${d.device || "Unknown device"}${d.current ? html` <span class="badge">This device</span>` : ""}${
        d.bound ? html` <span class="badge">Bound to this device's key (${d.bound})</span>` : ""
      }</td>
      <td>${time(d.created)}</td>
      <td>${time(d.lastUsed)}</td>
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
