import { defineKey, hasKeys, type Envelope, type SessionData } from "../core/envelope.js";
import type { Changes, SaveContext } from "../core/mode.js";

export interface Rebased {
  envelope: Envelope;
  /** Keys both requests changed, to different values: this request's value was kept ("last committed wins"). */
  conflicts: string[];
}

/**
 * Re-applies this request's changes onto the version another request committed meanwhile (optimistic
 * concurrency, like a git rebase): keys this request did not touch keep the other request's values, so two
 * requests changing different keys both survive. `base` is what this request read, `latest` what won.
 */
export function rebase(base: Envelope, latest: Envelope, ours: Changes): Rebased {
  const keys = ours.cleared
    ? new Set([...Object.keys(base.data), ...Object.keys(latest.data), ...Object.keys(ours.data)])
    : ours.changedKeys;
  const data: SessionData = { ...latest.data };
  const conflicts: string[] = [];
  for (const key of keys) {
    const theirs = latest.data[key];
    const mine = Object.hasOwn(ours.data, key) ? ours.data[key] : undefined;
    if (!sameValue(base.data[key], theirs) && !sameValue(mine, theirs)) conflicts.push(key);
    if (Object.hasOwn(ours.data, key)) defineKey(data, key, mine);
    else delete data[key];
  }
  // Flash values this request read are consumed; ones the other request left for the next one stay.
  const flash: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(latest.flash ?? {})) if (!Object.hasOwn(base.flash ?? {}, key)) defineKey(flash, key, value);
  for (const [key, value] of Object.entries(ours.flash ?? {})) defineKey(flash, key, value);
  const meta = { ...latest.meta, lastUsed: Math.max(latest.meta.lastUsed, ours.lastUsed) };
  if (ours.version !== undefined) meta.version = ours.version;
  if (ours.authenticatedAt !== undefined) meta.authenticatedAt = Math.max(latest.meta.authenticatedAt ?? 0, ours.authenticatedAt);
  return { envelope: { data, meta, flash: hasKeys(flash) ? flash : undefined }, conflicts };
}

/** JSON equality: session values are JSON, and this is what the store compares after a round trip. */
function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** This request's changes, as `rebase()` re-applies them: the envelope it saves and what its context says it did. */
export function changesOf(envelope: Envelope, context: SaveContext): Changes {
  const { data, flash, meta } = envelope;
  const { changedKeys, cleared, authenticated } = context;
  const changes: Changes = { data, flash, lastUsed: meta.lastUsed, changedKeys, cleared };
  if (authenticated) changes.authenticatedAt = meta.authenticatedAt;
  if (meta.version !== undefined) changes.version = meta.version;
  return changes;
}
