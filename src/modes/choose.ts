import type { Keyring } from "../crypto/keyring.js";
import { SessionConfigError } from "../core/errors.js";
import { versionedMode } from "./versioned.js";
import type { VersionedSessions } from "../stores/versioned.js";
import { guardedStore } from "../stores/guarded-store.js";
import { sessionStoreOf, type StoreOption } from "../kv/store-option.js";
import { overflowMode } from "./overflow.js";
import { cookieMode } from "./mode.js";
import { type SessionMode } from "../core/mode.js";
import type { ChooseMode } from "../core/options.js";
import { revocationModeOf } from "../durable-object/revocation.js";
import { serverSideMode } from "./server-side.js";

interface StoreModeOptions<C> {
  overflow?: StoreOption<C> | undefined;
  store?: StoreOption<C> | undefined;
}

/** Default time limit of one store call, in ms. */
export const STORE_TIMEOUT = 5000;

/**
 * The chooser of the root entry: every mode. Cookie mode, with overflow or revocation checks (or both), or
 * server-side sessions in a store (versioned when the store offers it).
 */
export const chooseMode: ChooseMode = (options, policy) => {
  // One limit for every store call and every revocation check's object call.
  const timeoutMs = options.storeTimeout ?? STORE_TIMEOUT;
  if (typeof timeoutMs !== "number" || !Number.isSafeInteger(timeoutMs) || timeoutMs < 0) {
    throw new SessionConfigError("storeTimeout must be a whole number of milliseconds, at least 0");
  }
  const storeModes = storeModeOf(options, timeoutMs);
  if (policy.cookie.chunks > 1 && options.store !== undefined) {
    // The cookie holds a sealed id of ~150 bytes: there is nothing to split, and a setting that does nothing is a mistake.
    throw new SessionConfigError(
      "cookie.chunks is for cookie mode (with or without overflow); with store: the cookie holds only a sealed id",
    );
  }
  if (options.revocation && options.store !== undefined) {
    throw new SessionConfigError(
      "revocation checks are for cookie mode (with or without overflow); use a DurableObjectStore as store for server-side sessions",
    );
  }
  // With overflow, storeModes is the overflow mode: the check wraps it (it looks at the id, not where data lives).
  const revocable = options.revocation && revocationModeOf(options.revocation, policy, timeoutMs, storeModes ?? cookieMode);
  return revocable || storeModes || cookieMode;
};

/**
 * The mode the `overflow`/`store` options ask for (validated at start-up), or undefined for the cookie-only
 * mode. Stores go through a guard (time limit, typed errors) and the sealing proxy inside the mode.
 */
function storeModeOf<C>(options: StoreModeOptions<C>, timeout: number): ((keys: Keyring, context: C) => SessionMode) | undefined {
  const { overflow, store } = options;
  if (overflow !== undefined && store !== undefined) {
    throw new SessionConfigError("choose one of overflow (large sessions spill to a store) and store (server-side sessions), not both");
  }
  const [name, option, modeOf] =
    store !== undefined ? (["store", store, serverSideMode] as const) : (["overflow", overflow, overflowMode] as const);
  if (option === undefined) return undefined;
  // A store offering the versioned capability gets the versioned server-side mode (its calls fail typed by
  // themselves, and a lock wait may rightly outlast storeTimeout); as an overflow target it is a plain
  // SessionStore, which must then not have been asked for guarantees only that mode gives.
  const versioned = (value: unknown) => {
    const capability = versionedOf(value);
    if (capability && name === "overflow" && (capability.exclusive || capability.onConflict !== "merge")) {
      throw new SessionConfigError('exclusive and onConflict: "error" apply to server-side sessions (store:), not to an overflow store');
    }
    return name === "store" ? capability : undefined;
  };
  if (typeof option !== "function") {
    const objects = versioned(option);
    if (objects) return (keys) => versionedMode(keys, objects, prefixOf(option));
    const guarded = guardedStore(sessionStoreOf(option, name), timeout);
    return (keys) => modeOf(keys, guarded);
  }
  return (keys, c) => {
    const value = option(c);
    const objects = versioned(value);
    return objects ? versionedMode(keys, objects, prefixOf(value)) : modeOf(keys, guardedStore(sessionStoreOf(value, name), timeout));
  };
}

/** The store's declared prefix, bound into sealed values like `sealedStore` binds it. */
function prefixOf(store: unknown): string {
  const prefix = (store as { prefix?: unknown }).prefix;
  return typeof prefix === "string" ? prefix : "";
}

/** The versioned capability a store offers (`store.versioned`), checked; undefined when it offers none. */
function versionedOf(value: unknown): VersionedSessions | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const capability: unknown = (value as { versioned?: unknown }).versioned;
  if (capability === undefined) return undefined;
  const candidate = capability as Partial<Record<keyof VersionedSessions, unknown>> | null;
  const methods = ["read", "write", "release", "end"] as const;
  if (
    typeof candidate !== "object" ||
    candidate === null ||
    methods.some((method) => typeof candidate[method] !== "function") ||
    (candidate.onConflict !== "merge" && candidate.onConflict !== "error")
  ) {
    throw new SessionConfigError(
      "store.versioned must be the versioned capability of a store (e.g. a DurableObjectStore's own `versioned`)",
    );
  }
  return capability as VersionedSessions;
}
