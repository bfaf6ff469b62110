/**
 * The floor: the least any sealed cookie session can cost. Raw Web Crypto AES-256-GCM with a cached
 * CryptoKey, a random 96-bit IV, base64url(iv | ciphertext | tag); no header, no metadata, no expiry, no
 * key rotation. Not a library: the yardstick the others are divided by.
 */
import type { MiddlewareHandler } from "hono";

const IV_BYTES = 12;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A fresh random AES-256-GCM key, imported once. */
export function floorKey(): Promise<CryptoKey> {
  const raw = crypto.getRandomValues(new Uint8Array(32));
  return crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
}

export async function floorSeal(data: unknown, key: CryptoKey): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, encoder.encode(JSON.stringify(data)));
  const out = new Uint8Array(IV_BYTES + sealed.byteLength);
  out.set(iv);
  out.set(new Uint8Array(sealed), IV_BYTES);
  return toBase64url(out);
}

/** The data, or undefined for anything that does not authenticate. */
export async function floorUnseal(token: string, key: CryptoKey): Promise<unknown> {
  try {
    const bytes = fromBase64url(token);
    const iv = bytes.subarray(0, IV_BYTES);
    const plaintext = await crypto.subtle.decrypt({ name: "AES-GCM", iv }, key, bytes.subarray(IV_BYTES));
    return JSON.parse(decoder.decode(plaintext));
  } catch {
    return undefined;
  }
}

/** What a handler sees at `c.var.session` under the floor (and jose) middleware. */
export interface MinimalSession {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
}

/** How the minimal middleware turns data into a cookie value and back. */
export interface Codec {
  seal(data: Record<string, unknown>): Promise<string>;
  /** The data, or undefined when the value does not open. */
  unseal(token: string): Promise<Record<string, unknown> | undefined>;
}

export const floorCodec = (key: CryptoKey): Codec => ({
  seal: (data) => floorSeal(data, key),
  unseal: async (token) => (await floorUnseal(token, key)) as Record<string, unknown> | undefined,
});

/**
 * The floor middleware (also run with jose as the codec): opens the cookie up front, re-seals only when the
 * handler wrote, one Set-Cookie. Nothing else (no expiry, no rotation, no cookie validation, not lazy): the
 * cost of sealing and nothing more.
 */
export function minimalSession(codec: Codec, name = "__Host-session"): MiddlewareHandler<{ Variables: { session: MinimalSession } }> {
  const prefix = `${name}=`;
  return async (c, next) => {
    const header = c.req.raw.headers.get("Cookie");
    const at = header ? header.indexOf(prefix) : -1;
    const token = at === -1 ? undefined : header!.slice(at + prefix.length).split(";", 1)[0];
    let data: Record<string, unknown> | undefined;
    let changed = false;
    c.set("session", {
      get: (key) => data?.[key],
      set: (key, value) => {
        data![key] = value;
        changed = true;
      },
    });
    data = (token && (await codec.unseal(token))) || {};
    await next();
    if (changed) c.header("Set-Cookie", `${prefix}${await codec.seal(data)}; Path=/; HttpOnly; Secure; SameSite=Lax`);
  };
}

// Native base64 where the runtime has it (workerd does, Node 22 does not), as jose does: a floor must not
// be slower than the libraries it measures.
const native = Uint8Array as unknown as {
  prototype: { toBase64?: (this: Uint8Array, options: object) => string };
  fromBase64?: (text: string, options: object) => Uint8Array;
};

function toBase64url(bytes: Uint8Array): string {
  if (native.prototype.toBase64) return native.prototype.toBase64.call(bytes, { alphabet: "base64url", omitPadding: true });
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000) as unknown as number[]);
  return btoa(binary).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
}

function fromBase64url(text: string): Uint8Array {
  if (native.fromBase64) return native.fromBase64(text, { alphabet: "base64url" });
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
