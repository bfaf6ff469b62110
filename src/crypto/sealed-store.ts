import { brokenContract, type SessionStore, type StoreKey, type StoreListOptions, type StoreSetOptions } from "../store.js";
import type { Keyring } from "./keyring.js";
import { seal, unseal, type UnsealFailure } from "./seal.js";

/** What {@link SealedStore.open} found under a key. */
export type StoreRead =
  | { ok: true; value: string; /** Sealed with a previous key: write it again to re-seal. */ rotated: boolean }
  | {
      ok: false;
      /** `"missing"`: nothing under the key (expired, deleted); `"tampered"` also covers a value copied from another key. */
      reason: UnsealFailure | "missing";
    };

/** A `SessionStore` whose values are sealed with a keyring and bound to their key. */
export interface SealedStore extends SessionStore {
  /** Reads and unseals, saying why a value was refused. Store failures throw. */
  open(key: string): Promise<StoreRead>;
  /** The store that holds the ciphertext. */
  readonly inner: SessionStore;
}

export interface SealedStoreOptions {
  /** Longest stored value accepted before any crypto. Default 25 MiB, the largest value KV holds. */
  maxLength?: number;
}

const encoder = new TextEncoder();
const LONE_SURROGATE = /\p{Surrogate}/u;
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Wraps any `SessionStore` so that it only ever holds ciphertext: every value is sealed (JWE, like the
 * cookie) with the keyring's current key and bound to the key it is written under, so a value copied
 * under another key does not open. Reads unseal with any key of the ring (rotation: `open` says `rotated`,
 * the next write re-seals with the current key).
 *
 * Keys and the metadata passed to `set` are not encrypted: keep them non-secret (ids, timestamps). Values
 * must be well-formed strings (a lone surrogate has no UTF-8 form): `set` refuses one with a `TypeError`.
 * `get` returns `null` for a value that does not open; use `open` to learn why. A wrapped store whose `get`
 * answers anything but a string or `null` (`undefined` counts as a miss) fails the read with `SessionStoreError`.
 *
 * ```ts
 * const keys = await createKeyring(env.STORE_SECRET, { purpose: "my-app/store" });
 * const store = sealedStore(new KVStore(env.SESSIONS), keys);
 * ```
 */
export function sealedStore(inner: SessionStore, keys: Keyring, options: SealedStoreOptions = {}): SealedStore {
  const maxLength = options.maxLength ?? 25 * 1024 * 1024;
  const store: SealedStore = {
    inner,
    async open(key) {
      const stored: unknown = await inner.get(key);
      if (stored === null || stored === undefined) return { ok: false, reason: "missing" };
      if (typeof stored !== "string") throw brokenContract("get", "a string, or null for a miss", stored);
      return openBound(key, stored, keys, maxLength);
    },
    async get(key) {
      const read = await store.open(key);
      return read.ok ? read.value : null;
    },
    async set(key: string, value: string, setOptions: StoreSetOptions) {
      await inner.set(key, await sealBound(key, value, keys), setOptions);
    },
    delete: (key: string) => inner.delete(key),
  };
  if (inner.list) {
    const list = inner.list.bind(inner);
    store.list = (listOptions: StoreListOptions): Promise<{ keys: StoreKey[]; cursor?: string | undefined }> => list(listOptions);
  }
  return store;
}

/** Seals one value bound to its key, as `sealedStore` writes it (for stores with their own read/write calls). */
export async function sealBound(key: string, value: string, keys: Keyring): Promise<string> {
  // UTF-8 has no lone surrogates: TextEncoder would turn one into U+FFFD and the value would come back changed.
  if (LONE_SURROGATE.test(value)) throw new TypeError("sealedStore values must be well-formed UTF-16 (no lone surrogates)");
  return seal(bind(key, value), keys);
}

/** Opens one stored value sealed by {@link sealBound} under this key. */
export async function openBound(key: string, stored: string, keys: Keyring, maxLength: number): Promise<StoreRead> {
  const opened = await unseal(stored, keys, maxLength);
  if (!opened.ok) return opened;
  const value = unbind(key, opened.plaintext);
  return value === undefined ? { ok: false, reason: "tampered" } : { ok: true, value, rotated: opened.rotated };
}

/**
 * The sealed plaintext is the key as a JSON string literal followed by the value. A JSON string literal
 * ends at its first unescaped quote, so the prefix names exactly one key: no (key, value) pair can be read
 * as another, whatever characters keys hold.
 */
function bind(key: string, value: string): Uint8Array {
  return encoder.encode(JSON.stringify(key) + value);
}

function unbind(key: string, plaintext: Uint8Array): string | undefined {
  let text: string;
  try {
    text = decoder.decode(plaintext);
  } catch {
    return undefined;
  }
  const prefix = JSON.stringify(key);
  return text.startsWith(prefix) ? text.slice(prefix.length) : undefined;
}
