import type { Keyring } from "../crypto/keyring.js";
import { seal, unseal } from "../crypto/seal.js";
import { decodeEnvelope, encodeEnvelope, isObject, newSessionId, type Envelope } from "../envelope.js";
import { SessionConflictError, SessionLockTimeoutError, SessionStoreError } from "../errors.js";
import type { Opened, SessionMode } from "../mode.js";
import { COOKIE_LIMIT } from "../token.js";
import { MAX_VALUE_LENGTH, type DurableObjectStore } from "./store.js";
import { endSession } from "./users.js";

/** Rebase rounds before giving up: each lost round means another request committed meanwhile. */
const MAX_ATTEMPTS = 8;

/** What this request read: the base its changes are rebased from when another request commits first. */
interface Read {
  id: string;
  version: number;
  /** The stored envelope as read (JSON), decoded again only on conflict: the session's data is mutated in place. */
  plaintext: string;
  /** The pointer cookie it came with, sent back unchanged while the id stays. */
  cookie: string;
  rotated: boolean;
}

/**
 * Server-side sessions in Durable Objects: the cookie carries only the sealed session id; the session
 * (sealed, bound to its id) lives in the session's own object. Strongly consistent everywhere at once:
 *
 * - writes are versioned: one that lost a race is rebased onto the winner (only this request's keys are
 *   re-applied) and retried, so overlapping requests changing different keys all survive;
 * - destroy() leaves a tombstone: a copied cookie, or a request still running, cannot bring it back;
 * - `exclusive` stores take a lock per session at the first read and release it with the write.
 */
export function durableObjectMode(keys: Keyring, store: DurableObjectStore): SessionMode {
  let read: Read | undefined;
  let held: { id: string; token: string } | undefined;

  return {
    async open(cookie) {
      const pointer = await unseal(cookie, keys, COOKIE_LIMIT);
      if (!pointer.ok) return pointer;
      const id = pointerId(pointer.plaintext);
      if (id === undefined) return { ok: false, reason: "not-a-session" };
      const lock = store.exclusive && { token: newSessionId(), ...store.exclusive };
      const snapshot = await store.read(id, lock);
      if (snapshot.state === "lock-timeout") throw new SessionLockTimeoutError(lock ? lock.waitMs : 0);
      if (lock) held = { id, token: lock.token };
      if (snapshot.state !== "live") return { ok: false, reason: snapshot.state };
      const opened = await openValue(id, snapshot.value, keys);
      if (!opened.ok) return opened;
      read = { id, version: snapshot.version, plaintext: opened.plaintext, cookie, rotated: pointer.rotated || opened.rotated };
      return { ok: true, envelope: opened.envelope, rotated: read.rotated, stored: id };
    },

    async save(envelope, { ttl, rebase }) {
      const { id } = envelope.meta;
      // A session this request did not read (new, or regenerated under a new id) must not exist yet.
      let base = read?.id === id ? read : undefined;
      let expected = base?.version ?? 0;
      let next = envelope;
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const plaintext = new TextDecoder().decode(encodeEnvelope(next));
        const result = await store.write(id, {
          value: await sealValue(id, plaintext, keys),
          ttl,
          expected,
          metadata: { created: next.meta.created, lastUsed: next.meta.lastUsed },
          release: held?.id === id ? held.token : undefined,
        });
        if (result.ok) {
          if (held?.id === id) held = undefined;
          const unchanged = base && !base.rotated;
          read = { id, version: result.version, plaintext, cookie: unchanged ? base!.cookie : await sealPointer(id, keys), rotated: false };
          return read.cookie;
        }
        if (result.state === "revoked" || result.current === null) return null; // destroyed or expired meanwhile
        if (!base) throw new SessionConflictError(); // a new id already taken: 128 random bits, so never
        const latest = await openValue(id, result.current.value, keys);
        if (!latest.ok) throw new SessionStoreError("get", { cause: latest.reason });
        const rebased = rebase(decodeEnvelope(new TextEncoder().encode(base.plaintext))!, latest.envelope);
        if (rebased.conflicts.length && store.onConflict === "error") throw new SessionConflictError();
        next = rebased.envelope;
        base = { ...base, version: result.current.version, plaintext: latest.plaintext };
        expected = result.current.version;
      }
      throw new SessionConflictError("session kept changing under concurrent requests; nothing was written");
    },

    async discard(previous) {
      if (!previous?.ok || previous.stored === undefined) return;
      if (held?.id === previous.stored) held = undefined; // revoking frees the lock
      await endSession(store.namespace, previous.stored, 0);
    },

    async close() {
      if (!held) return;
      const { id, token } = held;
      held = undefined;
      // Best effort: a lock that cannot be released frees itself when its lease ends.
      await store.release(id, token).catch(() => undefined);
    },
  };
}

// Same formats as the KV store mode (pointer {"s": id}; stored value = JSON key literal + envelope JSON), so
// the two are interchangeable behind the same secret.
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const ID = /^[A-Za-z0-9_-]{22,64}$/;

function sealPointer(id: string, keys: Keyring): Promise<string> {
  return seal(encoder.encode(JSON.stringify({ s: id })), keys);
}

function pointerId(plaintext: Uint8Array): string | undefined {
  let wire: unknown;
  try {
    wire = JSON.parse(decoder.decode(plaintext));
  } catch {
    return undefined;
  }
  if (!isObject(wire) || Object.keys(wire).length !== 1) return undefined;
  return typeof wire["s"] === "string" && ID.test(wire["s"]) ? wire["s"] : undefined;
}

function sealValue(id: string, plaintext: string, keys: Keyring): Promise<string> {
  return seal(encoder.encode(JSON.stringify(id) + plaintext), keys);
}

async function openValue(
  id: string,
  value: string,
  keys: Keyring,
): Promise<{ ok: true; envelope: Envelope; plaintext: string; rotated: boolean } | Extract<Opened, { ok: false }>> {
  const opened = await unseal(value, keys, MAX_VALUE_LENGTH);
  if (!opened.ok) return opened;
  let text: string;
  try {
    text = decoder.decode(opened.plaintext);
  } catch {
    return { ok: false, reason: "tampered" };
  }
  const prefix = JSON.stringify(id);
  // A value copied from another session's object does not open here.
  if (!text.startsWith(prefix)) return { ok: false, reason: "tampered" };
  const plaintext = text.slice(prefix.length);
  const envelope = decodeEnvelope(encoder.encode(plaintext));
  if (!envelope) return { ok: false, reason: "not-a-session" };
  if (envelope.meta.id !== id) return { ok: false, reason: "tampered" };
  return { ok: true, envelope, plaintext, rotated: opened.rotated };
}
