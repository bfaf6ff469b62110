import type { Keyring } from "./crypto/keyring.js";
import { seal } from "./crypto/seal.js";
import type { SealedStore } from "./crypto/sealed-store.js";
import { envelopeJson, isObject, parseEnvelope, type Envelope } from "./envelope.js";
import type { Opened } from "./mode.js";

/**
 * What a pointer cookie names: `"o"` an overflow entry under a fresh random key, `"s"` a server-side
 * session under its id. The kinds differ so a cookie of one mode never opens in the other, and neither
 * shape (`{"o":key}`, `{"s":id}`) can be read as an envelope (`{"i":...}`).
 */
export type PointerKind = "o" | "s";

/**
 * Stored copies outlive their session's deadline by a day, so a visitor who returns after an idle or
 * absolute timeout is told why (`expired: "idle"`) from the sealed metadata instead of `invalid: "missing"`.
 * The copy cannot be used meanwhile: expiry is enforced from the sealed metadata on every read.
 */
export const EXPIRED_GRACE = 24 * 3600;

/** Non-secret metadata written beside every stored session, in seconds since epoch. */
export type StoredMetadata = {
  created: number;
  lastUsed: number;
  /** When the session expires unless used again (its idle or absolute deadline). */
  expires: number;
};

const encoder = new TextEncoder();
const KEY = /^[A-Za-z0-9_-]{22,64}$/;

export function sealPointer(kind: PointerKind, key: string, keys: Keyring): Promise<string> {
  return seal(encoder.encode(JSON.stringify({ [kind]: key })), keys);
}

/** The key a parsed pointer names (see `parsePlaintext`), or undefined when it is not a pointer of this kind. */
export function pointerKey(kind: PointerKind, wire: unknown): string | undefined {
  if (!isObject(wire) || Object.keys(wire).length !== 1) return undefined;
  const key = wire[kind];
  return typeof key === "string" && KEY.test(key) ? key : undefined;
}

/**
 * Reads the session stored under `key`. A value that does not open, is not an envelope, or belongs to
 * another session id than expected is refused: never another user's data.
 */
export async function readStored(
  store: Pick<SealedStore, "open">,
  key: string,
  expected: { id?: string | undefined; rotated: boolean },
): Promise<Opened> {
  const read = await store.open(key);
  if (!read.ok) return read;
  const envelope = parseEnvelope(read.value);
  if (!envelope) return { ok: false, reason: "not-a-session" };
  if (expected.id !== undefined && envelope.meta.id !== expected.id) return { ok: false, reason: "tampered" };
  return { ok: true, envelope, rotated: expected.rotated || read.rotated, stored: key };
}

/** Writes the session under `key` for `ttl` seconds (plus {@link EXPIRED_GRACE}) with its metadata. */
export function writeStored(store: SealedStore, key: string, envelope: Envelope, ttl: number, now: number): Promise<void> {
  const metadata: StoredMetadata = {
    created: Math.floor(envelope.meta.created / 1000),
    lastUsed: Math.floor(envelope.meta.lastUsed / 1000),
    expires: Math.floor(now / 1000) + ttl,
  };
  return store.set(key, envelopeJson(envelope), { ttl: ttl + EXPIRED_GRACE, metadata });
}
