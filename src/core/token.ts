import { checkEnvelope, decodeEnvelope, encodeEnvelope, type Envelope, type SessionData, type SessionMeta } from "./envelope.js";
import { SessionConfigError } from "./errors.js";
import { expiryOf, type ExpiredReason, type ExpiryLimits } from "./expiry.js";
import { checkKeys, type KnownKeys } from "./known-keys.js";
import { Keyring } from "../crypto/keyring.js";
import { seal, unseal, type UnsealFailure } from "../crypto/seal.js";
import { shapeOpened } from "./migrate.js";
import { checkWrite, schemaOf, type Migrate, type SchemaData, type SessionSchema, type StandardSchemaV1 } from "./schema.js";

/** Browsers keep at most 4096 bytes of name + value per cookie. */
export const COOKIE_LIMIT = 4096;

/** Why a token or cookie did not yield a session. */
export type InvalidReason =
  | UnsealFailure
  /** Decrypted, but not a session envelope (e.g. a value sealed for another use of the same keys). */
  | "not-a-session"
  /** Timestamps in the future beyond the allowed clock skew. */
  | "future"
  /** More than one cookie with the session name (or a chunk's name): none is trusted (cookie tossing). */
  | "duplicate"
  /**
   * `cookie.chunks`: chunks that do not make one write (one missing, one too many, pieces of two writes, a
   * count above the configured maximum); refused before any crypto, and every chunk name is expired.
   */
  | "chunks"
  /** A pointer or id whose stored value is gone (expired, deleted or revoked). */
  | "missing"
  /** The session was destroyed or revoked (Durable Object store, or cookie mode with revocation checks). */
  | "revoked"
  /**
   * The data does not match the engine's `schema` (after `migrate`), or was sealed at a newer `version` than
   * the code's (a rollback): the `invalid` event names the failing paths, never the values.
   */
  | "schema";

export interface UnsealSessionOptions extends ExpiryLimits {
  /** Current time in ms since epoch. Default `Date.now()`. */
  now?: number | undefined;
  /** Longest token accepted before any crypto. Default 4096. */
  maxLength?: number | undefined;
  /** Validates the data (after `migrate`) as the engine's `schema` does: a session that fails is `{ ok: false, reason: "schema" }`. */
  schema?: SessionSchema | undefined;
  /** With `schema`: the current data version; a session sealed at a newer one is refused (`"schema"`). Default 1. */
  version?: number | undefined;
  /** With `schema`: upgrades data sealed at an earlier version (`meta.version` stays the sealed one: seal it again). */
  migrate?: Migrate | undefined;
}

/** Options of {@link sealSession}. */
export interface SealSessionOptions<Data extends SessionData = SessionData> {
  /**
   * Checks `envelope.data` first: data that does not match throws `SessionSchemaError` (paths, never values).
   * The envelope's data is typed by it.
   */
  schema?: StandardSchemaV1<unknown, Data> | undefined;
}

const UNSEAL_OPTIONS: KnownKeys<UnsealSessionOptions> = {
  now: true,
  maxLength: true,
  idleTimeout: true,
  absoluteTimeout: true,
  schema: true,
  version: true,
  migrate: true,
};
const SEAL_OPTIONS: KnownKeys<SealSessionOptions> = { schema: true };

export type UnsealSessionResult<Data extends SessionData = SessionData> =
  | {
      ok: true;
      data: Data;
      meta: SessionMeta;
      flash: Record<string, unknown> | undefined;
      /** Sealed with a previous key of the ring: seal it again with the current one. */
      rotated: boolean;
    }
  | { ok: false; reason: InvalidReason | ExpiredReason };

/**
 * Seals a session (data, metadata, flash) into a compact JWE, e.g. a cookie value. No Hono needed.
 *
 * The envelope must be one {@link unsealSession} opens, or this throws `SessionConfigError` (naming the
 * field, never its value): `meta.id` 22-64 characters of base64url (`A-Z a-z 0-9 - _`; `newSessionId()`
 * makes one), `meta.created` and `meta.lastUsed` whole non-negative ms since epoch (sealed to the second)
 * with `lastUsed >= created`, `meta.lifetime` whole non-negative seconds, `data` an object, `flash` an
 * object or undefined, and data and flash JSON-serializable. `keys` must come from `createKeyring`. With a
 * `schema`, the envelope's data is typed from it and checked (`SessionSchemaError`); `meta.version` seals its version.
 *
 * @example
 * ```ts
 * const token = await sealSession({ data: { user: "alice" }, meta: { id: newSessionId(), created: now, lastUsed: now, lifetime: 0 } }, keys);
 * ```
 */
export async function sealSession<Data extends SessionData>(
  envelope: Envelope<Data>,
  keys: Keyring,
  options: SealSessionOptions<Data> = {},
): Promise<string> {
  checkKeyring(keys);
  checkEnvelope(envelope);
  if (typeof options !== "object" || options === null) throw new SessionConfigError("sealSession options must be an object");
  checkKeys(options, SEAL_OPTIONS, "sealSession options");
  const shape = schemaOf(options);
  if (shape) await checkWrite(shape, envelope.data);
  let plaintext: Uint8Array;
  try {
    plaintext = encodeEnvelope(envelope);
  } catch {
    // JSON.stringify's own message may quote keys of the data: say what is wrong, not where.
    throw new SessionConfigError("envelope.data and envelope.flash must be JSON-serializable (no cycles, no BigInt, no throwing toJSON)");
  }
  return seal(plaintext, keys);
}

/**
 * Opens a sealed session and enforces its idle and absolute limits. Never throws for bad input: any refusal
 * is `{ ok: false, reason }`, and a token that is not a string (undefined, null, a number, an object) is
 * `"malformed"`. Only programming errors throw `SessionConfigError`: a `keys` that is not a `Keyring`, or
 * options of the wrong type (a `now` that is not a finite number, a `maxLength` that is not a positive whole
 * number or Infinity, timeouts that are not whole seconds), which would otherwise switch the expiry checks off silently.
 */
export async function unsealSession<S extends SessionSchema>(
  token: string,
  keys: Keyring,
  options: UnsealSessionOptions & { schema: S },
): Promise<UnsealSessionResult<SchemaData<S>>>;
export async function unsealSession<Data extends SessionData = SessionData>(
  token: string,
  keys: Keyring,
  options?: UnsealSessionOptions,
): Promise<UnsealSessionResult<Data>>;
export async function unsealSession(token: string, keys: Keyring, options: UnsealSessionOptions = {}): Promise<UnsealSessionResult> {
  checkKeyring(keys);
  checkOptions(options);
  const shape = schemaOf(options);
  const opened = await unseal(token, keys, options.maxLength ?? COOKIE_LIMIT);
  if (!opened.ok) return opened;
  const envelope = decodeEnvelope(opened.plaintext);
  if (!envelope) return { ok: false, reason: "not-a-session" };
  const verdict = expiryOf(envelope.meta, options.now ?? Date.now(), options);
  if (verdict) return { ok: false, reason: verdict };
  const shaped = shape ? await shapeOpened(shape, envelope) : undefined;
  if (shaped?.ok === false) return { ok: false, reason: "schema" };
  return { ok: true, data: shaped?.data ?? envelope.data, meta: envelope.meta, flash: envelope.flash, rotated: opened.rotated };
}

function checkKeyring(keys: unknown): asserts keys is Keyring {
  if (!(keys instanceof Keyring)) throw new SessionConfigError("keys must be a Keyring made by createKeyring()");
}

function checkOptions(options: UnsealSessionOptions): void {
  if (typeof options !== "object" || options === null) throw new SessionConfigError("unsealSession options must be an object");
  checkKeys(options, UNSEAL_OPTIONS, "unsealSession options");
  const { now, maxLength, idleTimeout, absoluteTimeout } = options;
  if (now !== undefined && !Number.isFinite(now)) throw new SessionConfigError("now must be a finite number of ms since epoch");
  if (maxLength !== undefined && maxLength !== Infinity && !(Number.isSafeInteger(maxLength) && maxLength > 0)) {
    throw new SessionConfigError("maxLength must be a whole number of characters, at least 1 (or Infinity)");
  }
  for (const [name, value] of [
    ["idleTimeout", idleTimeout],
    ["absoluteTimeout", absoluteTimeout],
  ] as const) {
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0)) {
      throw new SessionConfigError(`${name} must be a whole number of seconds, at least 0`);
    }
  }
}
