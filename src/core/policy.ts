import type { ResolvedCookie } from "./cookie.js";
import type { Keyring } from "../crypto/keyring.js";
import type { SessionEventHandler } from "./events.js";
import type { LimitBounds } from "./limits.js";
import type { SessionMode } from "./mode.js";
import type { DataShape } from "./schema.js";
import type { SizeWatch } from "./size-warning.js";

/** Builds the mode of one request from the keys and the request's context. */
export type ModeFactory<C> = (keys: Keyring, context: C) => SessionMode;

/**
 * The options, validated once when the engine is built, and what follows from them: the one object every
 * request, its Session and the modes read (`C`: the context option functions receive; a reader that calls
 * none of them takes `Policy`).
 */
export interface Policy<C = never> {
  cookie: ResolvedCookie;
  touchAfterMs: number;
  /**
   * The engine's limits and Max-Age (what a session without its own gets) with the most a session may set for
   * itself (`setLimits()`), what revocation records must outlive: `limitsOf(meta, bounds)` is a session's.
   */
  bounds: LimitBounds;
  /** Longest cookie value (or chunked values together) worth unsealing. */
  maxLength: number;
  /** Longest cookie value (or chunked values together) written: each `Set-Cookie` line within `cookie.maxLineBytes`. */
  writeLength: number;
  now: () => number;
  shouldRoll: ((context: C) => boolean) | undefined;
  keysFor: (context: C) => Promise<Keyring>;
  modeOf: ModeFactory<C>;
  onEvent: SessionEventHandler<C> | undefined;
  /** `sizeWarning`, validated: undefined when off. */
  sizeWatch: SizeWatch | undefined;
  /** `schema`, `version` and `migrate`, validated: undefined without a schema. */
  shape: DataShape | undefined;
}
