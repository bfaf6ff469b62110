import type { Keyring } from "../crypto/keyring.js";
import { sealedStore } from "../stores/sealed-store.js";
import { openCookie, sameStepUp, sealPointer } from "./mode.js";
import { type SessionMode } from "../core/mode.js";
import type { SessionStore } from "../stores/store.js";
import { readStored, writeStored } from "../stores/stored-session.js";
import { envelopeJson } from "../core/envelope.js";
import { sealedSize } from "../core/size-warning.js";

/**
 * Mode 3, server-side: the cookie carries only the sealed session id; data and metadata are sealed into the
 * store under that id. Deleting the id from the store revokes the session.
 *
 * The id is the key for the session's whole life (until regenerate or destroy), rather than a fresh key per
 * write as in overflow mode: revocation and listings then need nothing but the id, the cookie does not
 * change when the data does, and parallel requests never find their key moved away. The cost is KV's one
 * write per second per key: the engine writes only when the session changed or `touchAfter` passed, and
 * a write KV refuses (429) surfaces as `SessionStoreError` (503, Retry-After: 1) with the stored session
 * intact. Sessions that change several times a second belong in a Durable Object store.
 *
 * A request still in flight when its session is destroyed (logout elsewhere, an admin's `delete(id)`) must
 * not write it back: before writing a session it read from the store, `save` reads the id again and, if the
 * session is gone (or no longer opens as this id), writes nothing and returns `null`; the same before a
 * loaded session moves to a regenerated id. One more read per write of a loaded session; new sessions are
 * written without it. What remains: a
 * delete that lands between that read and the write (a few milliseconds; on KV, also a delete made in
 * another location that has not arrived yet, up to ~60 s) is undone by the write. Only a versioned store
 * (`DurableObjectStore`) closes that.
 */
export function serverSideMode(keys: Keyring, store: SessionStore): SessionMode {
  const sealed = sealedStore(store, keys);

  return {
    open: (cookie) => openCookie(cookie, keys, { pointer: "s", read: (id, rotated) => readStored(sealed, id, { id, rotated }) }),

    async save(envelope, { previous, ttl, now, incoming, measure }) {
      const { id } = envelope.meta;
      // The id this request read from the store (stored key = session id in this mode), if any.
      const read = previous?.ok ? previous.stored : undefined;
      // A session read from the store goes back only while it is still there: a request that loaded it
      // before a logout or an admin's delete must not bring it back, under its id or (regenerate) a new one.
      if (read !== undefined && !(await readStored(sealed, read, { id: read, rotated: false })).ok) return null;
      await writeStored(sealed, id, envelope, ttl, now);
      if (measure && store.maxValueBytes) measure(sealedSize(envelopeJson(envelope)), store.maxValueBytes);
      // Same id, a cookie sealed with the current key and its step-up time: the cookie stays as it is (no Set-Cookie).
      if (incoming !== undefined && read === id && previous?.ok && !previous.rotated && sameStepUp(previous, envelope)) return incoming;
      return sealPointer("s", id, keys, envelope.meta.authenticatedAt);
    },

    async discard(previous) {
      if (previous?.ok && previous.stored !== undefined) await sealed.delete(previous.stored);
    },
  };
}
