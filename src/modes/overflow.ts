import type { Keyring } from "../crypto/keyring.js";
import { seal } from "../crypto/seal.js";
import { sealedStore } from "../stores/sealed-store.js";
import { encodeEnvelope, newSessionId } from "../core/envelope.js";
import { openCookie, sealPointer } from "./mode.js";
import { type SessionMode } from "../core/mode.js";
import type { SessionStore } from "../stores/store.js";
import { readStored, writeStored } from "../stores/stored-session.js";

/**
 * Mode 2: the session is sealed into the cookie while it fits (its `Set-Cookie` line within `cookie.maxLineBytes`,
 * or the chunks of `cookie.chunks`, exactly as in the cookie-only mode, whose cookies it reads); a larger one is sealed into the store under a fresh random
 * key and the cookie carries a small sealed pointer to it.
 *
 * Every store write goes to a fresh key: KV takes one write per second per key, and a fresh key also
 * means a pointer never names data other than what was sealed for it. The entry it replaces (same session)
 * is deleted once the new copy is written: when the session moves to a new key or back into the cookie.
 * That clean-up is best-effort: the entry is unreachable from the new cookie and expires with its TTL.
 */
export function overflowMode(keys: Keyring, store: SessionStore): SessionMode {
  const sealed = sealedStore(store, keys);

  return {
    open: (cookie, maxLength) =>
      openCookie(cookie, keys, { inline: true, pointer: "o", read: (key, rotated) => readStored(sealed, key, { rotated }) }, maxLength),

    async save(envelope, { maxLength, previous, ttl, now, measure }) {
      // The entry this same session leaves behind; a replaced session's entry goes through discard().
      const left = previous?.ok && previous.envelope.meta.id === envelope.meta.id ? previous.stored : undefined;
      const inline = await seal(encodeEnvelope(envelope), keys);
      let cookie: string;
      if (inline.length <= maxLength) {
        cookie = inline;
        measure?.(inline.length, maxLength);
      } else {
        const key = newSessionId();
        await writeStored(sealed, key, envelope, ttl, now);
        cookie = await sealPointer("o", key, keys);
        // The stored value is the same envelope sealed with its key bound in: a few bytes more than `inline`.
        if (store.maxValueBytes) measure?.(inline.length, store.maxValueBytes);
      }
      if (left !== undefined) await sealed.delete(left).catch(() => {});
      return cookie;
    },

    async discard(previous) {
      if (previous?.ok && previous.stored !== undefined) await sealed.delete(previous.stored);
    },
  };
}
