import type { Keyring } from "../crypto/keyring.js";
import { seal, unseal } from "../crypto/seal.js";
import { encodeEnvelope, envelopeOf, isObject, isSeconds, isSessionId, parsePlaintext, type Envelope } from "../core/envelope.js";
import { SessionTooLargeError } from "../core/errors.js";
import type { Opened, SessionMode } from "../core/mode.js";
import { COOKIE_LIMIT } from "../core/token.js";
import { endedOf } from "../core/ended.js";

/**
 * What a pointer cookie names: `"o"` an overflow entry under a fresh random key, `"s"` a server-side
 * session under its id. The kinds differ so a cookie of one mode never opens in the other, and neither
 * shape (`{"o":key}`, `{"s":id}` or `{"s":id,"a":seconds}`) can be read as an envelope (`{"i":...}`).
 */
export type PointerKind = "o" | "s";

/**
 * What a mode's cookies hold: the session itself (`inline`), a pointer of one kind to its stored copy, which
 * `read` fetches (`rotated`: the pointer was sealed with a previous key), or either (overflow).
 */
export type CookieHolds =
  { inline: true } | { inline?: boolean; pointer: PointerKind; read: (key: string, rotated: boolean) => Promise<Opened> };

const encoder = new TextEncoder();

/**
 * Opens a session cookie, the same way in every mode: unsealed (refused unopened when longer than
 * `maxLength`, by default {@link COOKIE_LIMIT}; more with `cookie.chunks`), parsed once, and taken as what this
 * mode's cookies hold. Anything else that unseals (another mode's cookie, a value sealed for another use of the
 * same keys) is `"not-a-session"`, an ended-session marker with what it says (every mode's cookie may be one).
 */
export async function openCookie(cookie: string, keys: Keyring, holds: CookieHolds, maxLength = COOKIE_LIMIT): Promise<Opened> {
  const opened = await unseal(cookie, keys, maxLength);
  if (!opened.ok) return opened;
  const wire = parsePlaintext(opened.plaintext);
  const envelope = holds.inline ? envelopeOf(wire) : undefined;
  if (envelope) return { ok: true, envelope, rotated: opened.rotated };
  if ("pointer" in holds) {
    const pointer = pointerOf(holds.pointer, wire);
    if (pointer) return withStepUp(await holds.read(pointer.key, opened.rotated), pointer);
  }
  const ended = endedOf(wire);
  return ended ? { ok: false, reason: "not-a-session", ended } : { ok: false, reason: "not-a-session" };
}

/**
 * The cookie value of a pointer of `kind` to the stored copy under `key`. A server-side pointer also seals
 * when its holder last authenticated (`authenticatedAt`, ms): see {@link withStepUp}.
 */
export function sealPointer(kind: PointerKind, key: string, keys: Keyring, authenticatedAt?: number): Promise<string> {
  const wire = kind === "s" && authenticatedAt !== undefined ? { s: key, a: Math.floor(authenticatedAt / 1000) } : { [kind]: key };
  return seal(encoder.encode(JSON.stringify(wire)), keys);
}

/** Whether the pointer that came with the request carries the step-up time `envelope` has: else it is sealed again. */
export function sameStepUp(previous: Opened | undefined, envelope: Envelope): boolean {
  return previous?.ok === true && previous.envelope.meta.authenticatedAt === envelope.meta.authenticatedAt;
}

/** What a pointer names; `authenticatedAt` (ms): the step-up time a server-side pointer was sealed with. */
interface Pointer {
  kind: PointerKind;
  key: string;
  authenticatedAt?: number | undefined;
}

/** What a parsed pointer names, or undefined when it is not a pointer of this kind. */
function pointerOf(kind: PointerKind, wire: unknown): Pointer | undefined {
  if (!isObject(wire)) return undefined;
  // Keys are session ids (server-side) or made like them (overflow): anything else was not sealed here.
  const key = wire[kind];
  if (!isSessionId(key)) return undefined;
  const members = Object.keys(wire).length;
  if (members === 1) return { kind, key };
  return kind === "s" && members === 2 && isSeconds(wire.a) ? { kind, key, authenticatedAt: wire.a * 1000 } : undefined;
}

/**
 * A server-side session's step-up time is the one its pointer was sealed with, not the stored one: the
 * stored copy is shared by every copy of the pointer, so a pointer captured before a step-up (the same
 * sealed id) would otherwise gain it as soon as the real user stepped up. Overflow entries need nothing:
 * each write goes to a fresh key, so the entry a pointer names holds what was sealed for that pointer.
 */
function withStepUp(opened: Opened, pointer: Pointer): Opened {
  if (!opened.ok || pointer.kind !== "s") return opened;
  const { authenticatedAt: _stored, ...meta } = opened.envelope.meta;
  const { authenticatedAt } = pointer;
  return { ...opened, envelope: { ...opened.envelope, meta: authenticatedAt === undefined ? meta : { ...meta, authenticatedAt } } };
}

/** The last keyring's cookie mode: one object while the secret stays, not one per request. */
let last: { keys: Keyring; mode: SessionMode } | undefined;

/** Mode 1: everything sealed into the cookie (or its chunks). */
export function cookieMode(keys: Keyring): SessionMode {
  if (last?.keys !== keys) last = { keys, mode: cookieModeOf(keys) };
  return last.mode;
}

function cookieModeOf(keys: Keyring): SessionMode {
  return {
    open: (cookie, maxLength) => openCookie(cookie, keys, { inline: true }, maxLength),
    async save(envelope, { cookieName, maxLength, measure }) {
      const value = await seal(encodeEnvelope(envelope), keys);
      // Name + value against what one cookie or all the chunks hold, each line within cookie.maxLineBytes.
      if (value.length > maxLength) throw new SessionTooLargeError(cookieName.length + value.length, cookieName.length + maxLength);
      measure?.(value.length, maxLength);
      return value;
    },
    async discard() {},
  };
}
