import { checkSecrets, createKeyring, type Encryption, type Keyring, type Secret } from "./keyring.js";

/**
 * Derived keyrings of this isolate, shared by every engine: an app that builds its middleware per request (to
 * read options from `c.env`) still derives each key once. Keyed by the secrets themselves (already in the
 * isolate's env); a handful of entries at most.
 */
const derived = new Map<string, Promise<Keyring>>();
const KEYRINGS_KEPT = 16;

/** The keyrings of one purpose and encryption, derived once per list of secrets. */
export function keyringCache(purpose: string, encryption: Encryption) {
  return {
    async get(secret: Secret | readonly Secret[]): Promise<Keyring> {
      const list = checkSecrets(secret); // a missing Worker secret is a SessionConfigError, not a TypeError below
      // JSON of typed entries: injective, so no list of secrets shares an entry with another list or string.
      const id = JSON.stringify([encryption, purpose, ...list.map((s) => (typeof s === "string" ? s : [...s]))]);
      let ring = derived.get(id);
      if (!ring) {
        if (derived.size >= KEYRINGS_KEPT) derived.delete(derived.keys().next().value!);
        ring = createKeyring(list, { purpose, encryption });
        derived.set(id, ring);
        ring.catch(() => derived.delete(id));
      }
      return ring;
    },
  };
}
