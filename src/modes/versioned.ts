import type { Keyring } from "../crypto/keyring.js";
import { openBound, sealBound } from "../stores/sealed-store.js";
import { envelopeJson, newSessionId, parseEnvelope } from "../core/envelope.js";
import { SessionConflictError, SessionLockTimeoutError, SessionStoreError } from "../core/errors.js";
import { openCookie, sameStepUp, sealPointer } from "./mode.js";
import { type Opened, type SessionMode } from "../core/mode.js";
import { changesOf, rebase } from "./rebase.js";
import { EXPIRED_GRACE, metadataOf, storedSession } from "../stores/stored-session.js";
import type { VersionedSessions } from "../stores/versioned.js";
import { traitsOf } from "../stores/device-traits.js";
import { MAX_VALUE_LENGTH } from "../durable-object/store.js";

/** Rebase rounds before giving up: each lost round means another request committed meanwhile. */
const MAX_ATTEMPTS = 8;

/** What this request read: the base its changes are rebased from when another request commits first. */
interface Read {
  id: string;
  version: number;
  /** The stored envelope as read (JSON), decoded again only on conflict: the session's data is mutated in place. */
  plaintext: string;
  /** The pointer or the value was sealed with a previous key: the pointer is sealed again. */
  rotated: boolean;
}

/**
 * Server-side sessions in a store with the versioned capability (`DurableObjectStore`, or a wrapper that
 * forwards its `versioned`): the cookie carries only the sealed session id; the session (sealed, bound to
 * its id) lives in the session's own object, in the same formats (value and `StoredMetadata`) as the KV
 * store mode. Strongly consistent everywhere at once:
 *
 * - writes are versioned: one that lost a race is rebased onto the winner (only this request's keys are
 *   re-applied) and retried, so overlapping requests changing different keys all survive;
 * - destroy() leaves a tombstone: a copied cookie, or a request still running, cannot bring it back;
 * - `exclusive` stores take a lock per session at the first read and release it with the write.
 *
 * `name` (the store's `prefix`, as `sealedStore` takes it) is bound into every value with its id, so a value
 * copied between two stores sharing a table and a keyring (two D1Store prefixes) does not open; "" for a
 * store without one keeps the format of earlier versions.
 */
export function versionedMode(keys: Keyring, store: VersionedSessions, name = ""): SessionMode {
  let read: Read | undefined;
  let held: { id: string; token: string } | undefined;
  /** The session this request's write replaced (ended with it), or found ended. */
  let handedOver: string | undefined;

  /** Reads the session `id` (taking its lock in exclusive mode) and keeps what was read as the base of a rebase. */
  const readSession = async (id: string, rotated: boolean): Promise<Opened> => {
    const lock = store.exclusive && { token: newSessionId(), ...store.exclusive };
    // Held from the moment it is asked for: a read whose answer never came back (it timed out while
    // waiting, or failed after the object granted the lock) is released by close() all the same, instead
    // of blocking the session's next requests for a whole lease.
    if (lock) held = { id, token: lock.token };
    const snapshot = await store.read(id, lock);
    if (snapshot.state === "lock-timeout") {
      held = undefined; // never granted, and the wait is over
      throw new SessionLockTimeoutError(lock ? lock.waitMs : 0);
    }
    if (snapshot.state !== "live") return { ok: false, reason: snapshot.state };
    const opened = await openValue(id, snapshot.value, keys, rotated, name);
    if (!opened.ok) return opened;
    read = { id, version: snapshot.version, plaintext: opened.plaintext, rotated: opened.rotated };
    return { ok: true, envelope: opened.envelope, rotated: opened.rotated, stored: id };
  };

  return {
    open: (cookie) => openCookie(cookie, keys, { pointer: "s", read: readSession }),

    async save(envelope, context) {
      const { ttl, now, incoming, previous, replaces, measure } = context;
      const { id, authenticatedAt } = envelope.meta;
      // A session this request did not read (new, or regenerated under a new id) must not exist yet.
      let base = read?.id === id ? read : undefined;
      // The session read gives way to this new id only if it is still live, in the same step as the write:
      // one that ended meanwhile (logout, revocation, an overlapping regenerate) is never written anew.
      const from = replaces && read && !base ? read.id : undefined;
      let expected = base?.version ?? 0;
      let next = envelope;
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const plaintext = envelopeJson(next);
        const value = await sealBound(id, plaintext, keys, name);
        const metadata = metadataOf(next.meta, ttl, now);
        const result = await store.write(id, {
          value,
          ttl,
          keep: EXPIRED_GRACE, // as in KV: a returning visitor learns why the session ended
          expected,
          metadata,
          traits: traitsOf(next, metadata.expires * 1000), // the device list's (DurableObjectStore keeps it in the link)
          release: held?.id === id ? held.token : undefined,
          replaces: from,
        });
        if (result.ok) {
          if (held?.id === id) held = undefined;
          // The replaced session ended with the write, and its lock with it: discard() has nothing left to do.
          handedOver = from;
          if (held?.id === from) held = undefined;
          measure?.(value.length, store.maxValueBytes ?? MAX_VALUE_LENGTH);
          // Same id, a pointer sealed with the current key and this request's step-up time (never the one a
          // rebase took from another request's write): the cookie stays as it is (no Set-Cookie).
          const keep = incoming !== undefined && base && !base.rotated && sameStepUp(previous, envelope);
          return keep ? incoming : sealPointer("s", id, keys, authenticatedAt);
        }
        if (result.state === "revoked" || result.current === null) return null; // destroyed or expired meanwhile
        if (!base) throw new SessionConflictError(); // a new id already taken: 128 random bits, so never
        const latest = await openValue(id, result.current.value, keys, false, name);
        if (!latest.ok) throw new SessionStoreError("get", { cause: latest.reason });
        const rebased = rebase(parseEnvelope(base.plaintext)!, latest.envelope, changesOf(envelope, context));
        if (rebased.conflicts.length && store.onConflict === "error") throw new SessionConflictError();
        next = rebased.envelope;
        base = { ...base, version: result.current.version, plaintext: latest.plaintext };
        expected = result.current.version;
      }
      throw new SessionConflictError("session kept changing under concurrent requests; nothing was written");
    },

    async discard(previous) {
      if (!previous?.ok || previous.stored === undefined || previous.stored === handedOver) return;
      await store.end(previous.stored);
      // Revoking freed the lock; a revocation that failed leaves it to close(), which releases it.
      if (held?.id === previous.stored) held = undefined;
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

/**
 * Opens a stored value: sealed, bound to its id, an envelope of that same session. `rotated`: the pointer
 * that named it was sealed with a previous key.
 */
async function openValue(
  id: string,
  value: string,
  keys: Keyring,
  rotated: boolean,
  name: string,
): Promise<(Opened & { ok: true; plaintext: string }) | Extract<Opened, { ok: false }>> {
  const read = await openBound(id, value, keys, MAX_VALUE_LENGTH, name);
  if (!read.ok) return read;
  const opened = storedSession(read, id, { id, rotated });
  return opened.ok ? { ...opened, plaintext: read.value } : opened;
}
