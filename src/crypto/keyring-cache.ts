import { boundedCache } from "../core/bounded-cache.js";
import { checkSecrets, createKeyring, type Encryption, type Keyring, type Secret } from "./keyring.js";

/**
 * Derived keyrings of this isolate, shared by every engine: an app that builds its middleware per request (to
 * read options from `c.env`) still derives each key once. Keyed by the secrets themselves (already in the
 * isolate's env); a handful of entries at most.
 */
const derived = boundedCache<string, Keyring>(16);
/** Secret lists one engine remembers as already checked: the current one, and a few during a rotation. */
const RECENT_KEPT = 4;

interface Recent {
  readonly secrets: readonly unknown[];
  readonly ring: Promise<Keyring>;
}

/**
 * The keyrings of one purpose and encryption, derived once per list of secrets. A per-request secret
 * (`(c) => c.env.SESSION_SECRET`) is checked and keyed once per distinct value: a request whose secrets are
 * the same values as a recent one's (the same strings, the same Uint8Array objects) gets that keyring at
 * once, without checking or serializing them again. `binding` names the env binding of the current secret
 * for the message when it is unset.
 */
export function keyringCache(purpose: string, encryption: Encryption, binding?: string) {
  const recent: Recent[] = [];
  return {
    get(secret: Secret | readonly Secret[]): Promise<Keyring> {
      for (const entry of recent) if (sameValues(entry.secrets, secret)) return entry.ring;
      let ring: Promise<Keyring>;
      try {
        ring = derive(checkSecrets(secret, binding), purpose, encryption); // a missing secret: SessionConfigError, not a TypeError
      } catch (error) {
        return Promise.reject(error);
      }
      const entry = { secrets: Array.isArray(secret) ? [...(secret as readonly Secret[])] : [secret], ring };
      if (recent.unshift(entry) > RECENT_KEPT) recent.pop();
      ring.catch(() => {
        const at = recent.indexOf(entry);
        if (at !== -1) recent.splice(at, 1);
      });
      return ring;
    },
  };
}

function derive(list: readonly Secret[], purpose: string, encryption: Encryption): Promise<Keyring> {
  // JSON of typed entries: injective, so no list of secrets shares an entry with another list or string.
  const id = JSON.stringify([encryption, purpose, ...list.map((s) => (typeof s === "string" ? s : [...s]))]);
  return derived.get(id) ?? derived.set(id, createKeyring(list, { purpose, encryption }));
}

/** Whether `b` (one secret, or a list) is the values of `a`; one secret is compared without a list made for it. */
function sameValues(a: readonly unknown[], b: unknown): boolean {
  if (!Array.isArray(b)) return a.length === 1 && a[0] === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
