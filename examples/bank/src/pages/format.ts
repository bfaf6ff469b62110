import { html } from "hono/html";

/** 300 -> "5 minutes", 90 -> "1 minute 30 seconds", 4 -> "4 seconds", 604800 -> "7 days" */
export function formatDuration(seconds: number): string {
  const days = Math.floor(seconds / 86400);
  const hours = Math.floor((seconds % 86400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  const parts: string[] = [];
  if (days) parts.push(plural(days, "day"));
  if (hours) parts.push(plural(hours, "hour"));
  if (minutes) parts.push(plural(minutes, "minute"));
  if (rest || !parts.length) parts.push(plural(rest, "second"));
  return parts.join(" ");
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}

/** A UTC time the page script turns into the reader's local time. */
export function time(ms: number, id?: string) {
  const iso = new Date(ms).toISOString();
  return html`<time datetime="${iso}"${id ? html` id="${id}"` : ""} data-local>${iso.slice(11, 19)} UTC</time>`;
}

/** A UTC date and time, for deadlines days away: "6 Dec 2026, 17:40 UTC". */
export function dateTime(ms: number) {
  const at = new Date(ms);
  const day = at.toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
  return html`<time datetime="${at.toISOString()}">${day}, ${at.toISOString().slice(11, 16)} UTC</time>`;
}

/** 1234 -> "1,234 bytes" */
export function bytes(n: number): string {
  return `${n.toLocaleString("en-GB")} bytes`;
}

/** 125 -> "2:05" */
export function minutesSeconds(seconds: number): string {
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}
