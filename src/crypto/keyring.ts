import { base64url, type CryptoKey } from "jose";
import { SessionConfigError } from "../core/errors.js";
import { boundedCache } from "../core/bounded-cache.js";
import { checkKeys, type KnownKeys } from "../core/known-keys.js";

/** Content encryption of the sealed session (JWE `enc`). */
export type Encryption = "A256GCM" | "A256CBC-HS512";

/** A secret string (at least 32 characters) or raw key bytes (32 or 64 bytes). */
export type Secret = string | Uint8Array;

export interface KeyringOptions {
  /**
   * Bound into key derivation so that a value sealed for one purpose (cookie, app, store) never unseals
   * as another. The engine defaults it to the cookie name.
   */
  purpose?: string | undefined;
  /** Default `"A256GCM"`. */
  encryption?: Encryption | undefined;
}

/**
 * The one derived key of one secret. `key` is a CryptoKey for AES-GCM; jose needs raw bytes for CBC-HS.
 * (jose's `CryptoKey` type is the runtime's own where it has one: these types compile without DOM or Workers types.)
 */
export interface SealingKey {
  readonly kid: string;
  readonly key: CryptoKey | Uint8Array;
  /**
   * HMAC-SHA-256 key of the same secret, for audit events' session tags (never used to seal); derived on
   * first use, so apps without audit events pay nothing for it.
   */
  readonly audit: () => Promise<CryptoKey>;
  /** HMAC-SHA-256 key of the same secret for CSRF tokens (never used to seal); derived on first use too. */
  readonly csrf: () => Promise<CryptoKey>;
}

const KEYRING_OPTIONS: KnownKeys<KeyringOptions> = { purpose: true, encryption: true };

const MIN_SECRET_CHARS = 32;
/** Session ids whose CSRF secrets a keyring remembers (the least recently used goes first). */
const CSRF_CACHE = 1000;
const MIN_DISTINCT_CHARS = 8;
const FORMAT = "edge-session/v1";
const encoder = new TextEncoder();
const SALT = encoder.encode(FORMAT);

/**
 * The derived keys of a list of secrets: the first seals, all of them unseal (rotation).
 * Built once per secret list; derivation never happens per request.
 */
export class Keyring {
  readonly encryption: Encryption;
  readonly purpose: string;
  /** The key that seals. */
  readonly current: SealingKey;
  readonly #byKid: ReadonlyMap<string, SealingKey>;
  readonly #byHeader: ReadonlyMap<string, SealingKey>;
  /** Recent ids' CSRF secrets: a user's next request (in this isolate) verifies and mints without an HMAC. */
  readonly #csrf = boundedCache<string, Uint8Array[]>(CSRF_CACHE);

  /** @internal use {@link createKeyring} */
  constructor(encryption: Encryption, purpose: string, keys: readonly SealingKey[]) {
    this.encryption = encryption;
    this.purpose = purpose;
    this.current = keys[0]!;
    this.#byKid = new Map(keys.map((k) => [k.kid, k]));
    this.#byHeader = new Map(keys.map((k) => [protectedHeader(encryption, k.kid), k]));
  }

  /** The key with this id, or undefined when it is not (or no longer) in the ring. */
  find(kid: string): SealingKey | undefined {
    return this.#byKid.get(kid);
  }

  /**
   * The key whose exact protected-header segment (the first of a compact JWE) this is, or undefined. Only
   * the header bytes `seal` writes match: no other spelling of the same members (whitespace, order,
   * escapes, a byte-order mark, duplicates) names a key.
   */
  findByHeader(segment: string): SealingKey | undefined {
    return this.#byHeader.get(segment);
  }

  /**
   * A keyed hash of a session id for logs and audit events: HMAC-SHA-256 under a key derived from the
   * current secret, first 16 bytes, base64url. The same id gives the same tag while the current secret stays;
   * the id cannot be recovered from it, nor a tag computed without the secret.
   */
  async tag(id: string): Promise<string> {
    const mac = await crypto.subtle.sign("HMAC", await this.current.audit(), encoder.encode(id));
    return base64url.encode(new Uint8Array(mac, 0, 16));
  }

  /**
   * The CSRF secret of a session id under every key of the ring, current first: HMAC-SHA-256 under a key
   * derived for CSRF alone. A token made before a secret rotation still verifies while the old secret is listed.
   * The last 1000 ids' secrets are remembered. Never send or log them: `session.csrfToken()` masks them.
   */
  csrfSecrets(id: string): Promise<Uint8Array[]> {
    const cached = this.#csrf.get(id);
    if (cached) return cached;
    const data = encoder.encode(id);
    const keys = [this.current, ...[...this.#byKid.values()].filter((k) => k !== this.current)];
    return this.#csrf.set(id, Promise.all(keys.map(async (k) => new Uint8Array(await crypto.subtle.sign("HMAC", await k.csrf(), data)))));
  }

  /**
   * The CSRF secrets {@link csrfSecrets} already computed for this id (still remembered), at once; undefined
   * otherwise. A request that verifies one token and mints the next awaits nothing for them.
   */
  knownCsrfSecrets(id: string): Uint8Array[] | undefined {
    return this.#csrf.settled(id);
  }

  /** Keeps key material out of logs and error reports. */
  toJSON(): { encryption: Encryption; purpose: string; kids: string[] } {
    return { encryption: this.encryption, purpose: this.purpose, kids: [...this.#byKid.keys()] };
  }
}

/**
 * The protected header `seal` writes for a key, as its base64url segment: jose encodes the header object it
 * is given with `JSON.stringify`, in insertion order, so this is byte for byte what it puts in the token.
 */
export function protectedHeader(encryption: Encryption, kid: string): string {
  return base64url.encode(JSON.stringify(sealingHeader(encryption, kid)));
}

/** The header object `seal` hands to jose: exactly these members, in this order. */
export function sealingHeader(encryption: Encryption, kid: string): { alg: "dir"; enc: Encryption; kid: string } {
  return { alg: "dir", enc: encryption, kid };
}

/**
 * Derives the keys of one or more secrets (first = current, the rest = previous, still read).
 *
 * Each secret is HKDF-SHA-256 input keying material with salt `"edge-session/v1"` and info
 * `"edge-session/v1|key|<enc>|<purpose>"`; the key id is 6 bytes of the same HKDF with `|kid|` in place of
 * `|key|`, so it names the key without revealing anything about it; the audit key (session tags in events)
 * is 32 bytes with `|audit|`, the CSRF key (per-session CSRF secrets) 32 bytes with `|csrf|`.
 */
export async function createKeyring(secrets: Secret | readonly Secret[], options: KeyringOptions = {}): Promise<Keyring> {
  if (typeof crypto === "undefined" || typeof crypto.subtle?.importKey !== "function") {
    // Node 18 and some embedded runtimes: a bare ReferenceError on the first request would say nothing.
    throw new SessionConfigError("Web Crypto (globalThis.crypto.subtle) is missing: use Node 20 or later, or a runtime with Web Crypto");
  }
  checkKeys(options, KEYRING_OPTIONS, "createKeyring options");
  const encryption = options.encryption ?? "A256GCM";
  const purpose = options.purpose ?? "";
  if (encryption !== "A256GCM" && encryption !== "A256CBC-HS512") {
    throw new SessionConfigError(`encryption must be "A256GCM" or "A256CBC-HS512"`);
  }
  if (typeof purpose !== "string" || purpose.length > 256) {
    throw new SessionConfigError("purpose must be a string of at most 256 characters");
  }
  const list = checkSecrets(secrets);
  const keys = await Promise.all(list.map((secret) => deriveKey(secret, encryption, purpose)));
  const kids = new Set(keys.map((k) => k.kid));
  if (kids.size !== keys.length) throw new SessionConfigError("the same secret is listed twice");
  return new Keyring(encryption, purpose, keys);
}

/**
 * The secrets as a list (one secret is a list of one), checked: throws `SessionConfigError` for a missing,
 * short, low-variety or wrongly sized secret (synchronously). A previous secret that is unset (undefined,
 * null or "") is left out with a one-time warning: removing an old secret from the environment after a
 * rotation must not take the site down. `binding` names where the current secret comes from (e.g.
 * `SESSION_SECRET`), for the message when it is unset.
 */
export function checkSecrets(secrets: Secret | readonly Secret[], binding?: string): readonly Secret[] {
  const list: readonly Secret[] = Array.isArray(secrets) ? secrets : [secrets as Secret];
  if (list.length === 0) throw new SessionConfigError("at least one secret is required");
  if (isUnset(list[0])) throw new SessionConfigError(unsetCurrent(list[0], binding));
  const present: Secret[] = [];
  list.forEach((secret, index) => {
    if (index > 0 && isUnset(secret)) return warnSkipped(index);
    checkSecret(secret, index);
    present.push(secret);
  });
  return present;
}

function isUnset(secret: unknown): secret is undefined | null | "" {
  return secret === undefined || secret === null || secret === "";
}

function unsetCurrent(secret: undefined | null | "", binding: string | undefined): string {
  const state = secret === "" ? "empty" : String(secret);
  return binding === undefined
    ? `the current secret (the first in the list) is ${state}: set it (a Worker secret: \`wrangler secret put <NAME>\`, or .dev.vars for wrangler dev; elsewhere the environment variable)`
    : `the current secret (env.${binding}) is ${state}: set it with \`wrangler secret put ${binding}\` (or in .dev.vars for wrangler dev; elsewhere the environment variable ${binding})`;
}

/** Previous secrets found unset, by position: each is warned about once per isolate. */
const warnedUnset = new Set<number>();

/** Warns, once per position, that an unset previous secret is left out. */
function warnSkipped(index: number): void {
  if (!warnedUnset.has(index)) {
    warnedUnset.add(index);
    console.warn(
      `edge-session: the previous secret #${index} (${LATER[index - 1] ?? `number ${index + 1}`} in the list) is empty or unset: skipped; remove it from the list once its sessions have expired`,
    );
  }
}

/** Where previous secret #1, #2... stand in the list. */
const LATER = ["second", "third", "fourth", "fifth"];

function checkSecret(secret: Secret, index: number): void {
  const which = index === 0 ? "the current secret" : `previous secret #${index}`;
  if (typeof secret === "string") {
    if (secret.length < MIN_SECRET_CHARS) {
      throw new SessionConfigError(
        `${which} has ${secret.length} characters; at least ${MIN_SECRET_CHARS} are required (use 32 random bytes, e.g. \`openssl rand -base64 32\`)`,
      );
    }
    if (new Set(secret).size < MIN_DISTINCT_CHARS) {
      throw new SessionConfigError(
        `${which} has fewer than ${MIN_DISTINCT_CHARS} different characters, too few for a secret; use random bytes (e.g. \`openssl rand -base64 32\`)`,
      );
    }
    return;
  }
  if (!(secret instanceof Uint8Array)) {
    // Named by its type, never its value.
    const got = Array.isArray(secret) ? "an array" : typeof secret;
    throw new SessionConfigError(`${which} is ${got}, not a string or a Uint8Array`);
  }
  if (secret.byteLength !== 32 && secret.byteLength !== 64) {
    throw new SessionConfigError(`${which} is ${secret.byteLength} bytes; raw keys must be 32 or 64 bytes`);
  }
}

async function deriveKey(secret: Secret, encryption: Encryption, purpose: string): Promise<SealingKey> {
  const ikm = typeof secret === "string" ? encoder.encode(secret) : secret;
  const base = await crypto.subtle.importKey("raw", ikm, "HKDF", false, ["deriveBits"]);
  const hkdf = (label: string, bits: number) =>
    crypto.subtle.deriveBits(
      { name: "HKDF", hash: "SHA-256", salt: SALT, info: encoder.encode(`${FORMAT}|${label}|${encryption}|${purpose}`) },
      base,
      bits,
    );
  const keyBits = encryption === "A256GCM" ? 256 : 512;
  const [raw, kidBytes] = await Promise.all([hkdf("key", keyBits), hkdf("kid", 48)]);
  const kid = base64url.encode(new Uint8Array(kidBytes));
  const hmacKey = (label: string) => {
    let derived: Promise<CryptoKey> | undefined;
    return () =>
      (derived ??= hkdf(label, 256).then((bits) =>
        crypto.subtle.importKey("raw", bits, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]),
      ));
  };
  const audit = hmacKey("audit");
  const csrf = hmacKey("csrf");
  if (encryption === "A256CBC-HS512") return { kid, key: new Uint8Array(raw), audit, csrf };
  const key = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
  return { kid, key: settled(key), audit, csrf };
}

/** What jose reads of a CryptoKey on every seal and unseal to check it. */
const CHECKED = ["type", "algorithm", "usages", Symbol.toStringTag] as const;

/**
 * `key` answering jose's checks from its own frozen properties. jose reads a key's `type`, `algorithm`,
 * `usages` and `Symbol.toStringTag` on every seal and every unseal; in workerd each is a native getter, and
 * `algorithm` and `usages` build a new object or array each time (about 1.2 us a seal and again an unseal,
 * profiled). A key of ours never changes, so the values are read once: jose sees what the getters give,
 * and Web Crypto works from the key's internal slots, never from these properties. A runtime whose keys take
 * no own properties keeps its getters.
 */
function settled(key: CryptoKey): CryptoKey {
  try {
    for (const name of CHECKED) Object.defineProperty(key, name, { value: Object.freeze(key[name as keyof CryptoKey]) });
  } catch {
    // Not extensible here: the getters answer, as they would without this.
  }
  return key;
}
