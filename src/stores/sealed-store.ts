import { SessionConfigError } from "../core/errors.js";
import { checkKeys, type KnownKeys } from "../core/known-keys.js";
import { brokenContract, type SessionStore, type StoreKey, type StoreListOptions, type StoreSetOptions } from "./store.js";
import type { Keyring } from "../crypto/keyring.js";
import { seal, unseal, type UnsealFailure } from "../crypto/seal.js";

/** What {@link SealedStore.open} found under a key. */
export type StoreRead =
  | { ok: true; value: string; /** Sealed with a previous key: write it again to re-seal. */ rotated: boolean }
  | {
      ok: false;
      /**
       * `"missing"`: nothing under the key (expired, deleted); `"tampered"` also covers a value copied from
       * another key or another store.
       */
      reason: UnsealFailure | "missing";
    };

/** A `SessionStore` whose values are sealed with a keyring and bound to their key and store. */
export interface SealedStore extends SessionStore {
  /** Reads and unseals, saying why a value was refused. Store failures throw. */
  open(key: string): Promise<StoreRead>;
  /** The wrapped store, which holds the ciphertext. */
  readonly inner: SessionStore;
  /** The wrapped store's `prefix`: keys live where its keys live. */
  readonly prefix?: string | undefined;
}

export interface SealedStoreOptions {
  /**
   * Longest stored value (in UTF-16 code units, as `string.length` counts) that is opened: a longer one is
   * refused as `"too-large"` before any crypto, so a store filled with junk costs no decryption. Default
   * 25 MiB (26 214 400), the largest value KV holds; lower it to what your values can really take.
   */
  maxLength?: number | undefined;
  /**
   * The store's identity, bound into every value together with its key, so that a value copied to another
   * store sealed with the same keyring does not open there (`"tampered"`). Default: the wrapped store's
   * `prefix` (a `KVStore`'s), else `""`. Give stores without a prefix that share a keyring names of their own.
   */
  name?: string | undefined;
}

const SEALED_STORE_OPTIONS: KnownKeys<SealedStoreOptions> = { maxLength: true, name: true };

const encoder = new TextEncoder();
const LONE_SURROGATE = /\p{Surrogate}/u;
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Wraps any `SessionStore` so that it only ever holds ciphertext: every value is sealed (JWE, like the
 * cookie) with the keyring's current key and bound to the key it is written under and to the store's name
 * (its `prefix` by default), so a value copied under another key or into another store does not open.
 * Reads unseal with any key of the ring (rotation: `open` says `rotated`, the next write re-seals with the
 * current key).
 *
 * Keys and the metadata passed to `set` are not encrypted: keep them non-secret (ids, timestamps). Values
 * must be well-formed strings (a lone surrogate has no UTF-8 form): `set` refuses one with a `TypeError`.
 * Stored values longer than `maxLength` (default 25 MiB) are refused unopened. `get` returns `null` for a
 * value that does not open; use `open` to learn why. A wrapped store whose `get` answers anything but a
 * string or `null` (`undefined` counts as a miss) fails the read with `SessionStoreError`.
 *
 * ```ts
 * const keys = await createKeyring(env.STORE_SECRET, { purpose: "my-app/store" });
 * const store = sealedStore(new KVStore(env.SESSIONS, { prefix: "profiles:" }), keys);
 * ```
 */
export function sealedStore(inner: SessionStore, keys: Keyring, options: SealedStoreOptions = {}): SealedStore {
  checkKeys(options, SEALED_STORE_OPTIONS, "sealedStore options");
  const maxLength = options.maxLength ?? 25 * 1024 * 1024;
  const name = options.name ?? inner.prefix ?? "";
  if (typeof name !== "string") throw new SessionConfigError("sealedStore name (or the store's prefix) must be a string");
  const store: SealedStore = {
    inner,
    prefix: inner.prefix,
    async open(key) {
      const stored: unknown = await inner.get(key);
      if (stored === null || stored === undefined) return { ok: false, reason: "missing" };
      if (typeof stored !== "string") throw brokenContract("get", "a string, or null for a miss", stored);
      return openBound(key, stored, keys, maxLength, name);
    },
    async get(key) {
      const read = await store.open(key);
      return read.ok ? read.value : null;
    },
    async set(key: string, value: string, setOptions: StoreSetOptions) {
      await inner.set(key, await sealBound(key, value, keys, name), setOptions);
    },
    delete: (key: string) => inner.delete(key),
  };
  if (inner.list) {
    const list = inner.list.bind(inner);
    store.list = (listOptions: StoreListOptions): Promise<{ keys: StoreKey[]; cursor?: string | undefined }> => list(listOptions);
  }
  return store;
}

/**
 * Seals one value bound to its key (and the name of its store), as `sealedStore` writes it, for stores with
 * their own read/write calls.
 */
export async function sealBound(key: string, value: string, keys: Keyring, name = ""): Promise<string> {
  // UTF-8 has no lone surrogates: TextEncoder would turn one into U+FFFD and the value would come back changed.
  if (LONE_SURROGATE.test(value)) throw new TypeError("sealedStore values must be well-formed UTF-16 (no lone surrogates)");
  return seal(encoder.encode(binding(key, name) + value), keys);
}

/** Opens one stored value sealed by {@link sealBound} under this key (and store name). */
export async function openBound(key: string, stored: string, keys: Keyring, maxLength: number, name = ""): Promise<StoreRead> {
  const opened = await unseal(stored, keys, maxLength);
  if (!opened.ok) return opened;
  let text: string;
  try {
    text = decoder.decode(opened.plaintext);
  } catch {
    return { ok: false, reason: "tampered" };
  }
  const prefix = binding(key, name);
  return text.startsWith(prefix)
    ? { ok: true, value: text.slice(prefix.length), rotated: opened.rotated }
    : { ok: false, reason: "tampered" };
}

/**
 * What the sealed plaintext starts with, before the value. Without a name: the key as a JSON string literal
 * (the format of values written before stores had names, so they still open). With one: the JSON array
 * `[name, key]`. A JSON string literal ends at its first unescaped quote and the array at the `]` after its
 * second string, so a prefix names exactly one (name, key) pair whatever characters they hold, and the two
 * forms never meet (one starts with `"`, the other with `[`).
 */
function binding(key: string, name: string): string {
  return name === "" ? JSON.stringify(key) : JSON.stringify([name, key]);
}
