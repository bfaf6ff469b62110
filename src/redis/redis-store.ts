import { SessionConfigError, SessionError, SessionStoreError } from "../core/errors.js";
import type { KnownKeys } from "../core/known-keys.js";
import { CLOCK_SKEW_MS } from "../core/expiry.js";
import type { Snapshot, VersionedSessions, WriteRequest, WriteResult } from "../stores/versioned.js";
import type { SessionStore, StoreKey, StoreListOptions, StoreSetOptions } from "../stores/store.js";
import { checkedNow, listOptions, parseMetadata, setOptions, storedKeyName, storePrefix } from "../stores/store-checks.js";
import { lockFreeOptions, storedRecord, writeRequest, type WriteLimits } from "../stores/versioned-checks.js";
import { DELETE_SCRIPT, END_SCRIPT, LIST_SCRIPT, WRITE_SCRIPT } from "./redis-scripts.js";

/** Limits RedisStore checks before Redis is called. */
export const REDIS_LIMITS = {
  /** Bytes of the store's prefix + a key. */
  keyBytes: 512,
  /** Bytes of a value (Upstash's smallest plans take requests of 1 MB: the value travels inside one). */
  valueBytes: 900 * 1024,
  /** Bytes of the metadata as JSON (as in KV: it is meant for a few timestamps). */
  metadataBytes: 1024,
  /** Most keys one `list` page returns. */
  listLimit: 1000,
} as const;

export interface RedisStoreOptions {
  /** The REST URL of the database (Upstash console: "REST URL"), e.g. `https://eu1-sure-cat-12345.upstash.io`. */
  url: string;
  /** The REST token (Upstash console: "Token"; not the read-only one). Keep it in a Worker secret. */
  token: string;
  /**
   * Put before every key, so stores (tenants, kinds of data) can share the database. Default `"session:"`.
   * It also names the store for `sealedStore`: a value copied from one prefix to another does not open there.
   */
  prefix?: string;
  /**
   * Server-side sessions (`store:`): two overlapping requests changed the same key. `"merge"` (default)
   * keeps the value committed last; `"error"` throws `SessionConflictError` (409) in the request that
   * committed second, which writes nothing. Changes to different keys are merged either way.
   */
  onConflict?: "merge" | "error";
  /** Clock in ms since epoch, for expiry. Default `Date.now`; tests pass their own. */
  now?: () => number;
}

const REDIS_STORE_OPTIONS: KnownKeys<RedisStoreOptions> = { url: true, token: true, prefix: true, onConflict: true, now: true };
const NO_LOCK = "use a DurableObjectStore with exclusive: true";

const LIMITS: WriteLimits = { valueBytes: REDIS_LIMITS.valueBytes, metadataBytes: REDIS_LIMITS.metadataBytes, what: "Redis" };
const encoder = new TextEncoder();
const SKEW = Math.ceil(CLOCK_SKEW_MS / 1000);

/**
 * A `SessionStore` over Redis through its REST protocol (Upstash's): the way Workers reach Redis, since
 * they cannot keep a TCP connection to it.
 *
 * ```ts
 * import { RedisStore } from "edge-session/redis";
 * app.use(session({ secret: (c) => c.env.SESSION_SECRET, idleTimeout: 1800,
 *   store: (c) => new RedisStore({ url: c.env.UPSTASH_REDIS_REST_URL, token: c.env.UPSTASH_REDIS_REST_TOKEN }) }));
 * ```
 *
 * - Every call is one HTTPS request (`POST url` with the command as a JSON array, `Authorization: Bearer
 *   token`); every change is one Lua script, run atomically by Redis.
 * - Every value arrives sealed; beside it the key's hash keeps the non-secret metadata listings read.
 *   TTLs are Redis's own (`EXPIRE`, whole seconds, at least 1), and every read checks them too.
 * - Versioned: as `store:` it gets the versioned server-side mode, with compare-and-swap writes and rebase,
 *   so overlapping requests changing different keys all survive, and destroy() leaves a tombstone that no
 *   request in flight can write over. No lock (`exclusive`): use a `DurableObjectStore` for that.
 * - Not for Redis Cluster: a script touches the key and the store's key index, which may lie in other slots.
 */
export class RedisStore implements SessionStore, VersionedSessions {
  /** See {@link RedisStoreOptions.prefix}. */
  readonly prefix: string;
  /** The value limit this store checks (`REDIS_LIMITS.valueBytes`, 900 KiB). */
  readonly maxValueBytes = REDIS_LIMITS.valueBytes;
  /** Redis takes no session lock here: requests of one session run in parallel and their writes are merged. */
  readonly exclusive: undefined = undefined;
  readonly onConflict: "merge" | "error";
  /** The versioned capability (this store itself): what a wrapper forwards to keep the guarantees. */
  readonly versioned: VersionedSessions;
  readonly url: string;
  readonly #token: string;
  readonly #clock: () => number;
  /** The sorted set of this store's key names. */
  readonly #index: string;

  constructor(options: RedisStoreOptions) {
    if (typeof options !== "object" || options === null) throw new SessionConfigError("RedisStore needs options: { url, token }");
    const { onConflict, clock: now } = lockFreeOptions(options, REDIS_STORE_OPTIONS, "RedisStore", NO_LOCK);
    const { url, token } = options;
    if (typeof url !== "string" || !/^https?:\/\/[^/?#]+/.test(url) || !URL.canParse(url)) {
      throw new SessionConfigError("RedisStore url must be the database's REST URL (https://...)");
    }
    // The token is a secret: the message says what is wrong, never what was given.
    if (typeof token !== "string" || token.length === 0 || /[\s]/.test(token))
      throw new SessionConfigError("RedisStore token must be a non-empty string without spaces");
    const prefix = storePrefix(options.prefix ?? "session:", REDIS_LIMITS.keyBytes, "RedisStore", { wellFormed: true, noNul: true });
    this.url = url;
    this.prefix = prefix;
    this.onConflict = onConflict;
    this.#token = token;
    this.#clock = now;
    // NUL cannot start a key name (refused in #name): the index never shares a name with a session.
    this.#index = `${prefix}\0keys`;
    this.versioned = this;
  }

  /** The value under `key`, or `null` when there is none, it expired, or the key was ended. */
  async get(key: string): Promise<string | null> {
    const name = this.#name(key);
    const now = this.#seconds();
    const [value, exp] = await this.#hash("get", name, ["v", "exp"]);
    return typeof value === "string" && Number(exp) > now ? value : null;
  }

  /**
   * Writes the value for `ttl` seconds (rounded up, at least 1). A key ended by {@link RedisStore.end}
   * cannot be written again until its tombstone lapses: that throws `SessionStoreError`.
   */
  async set(key: string, value: string, options: StoreSetOptions): Promise<void> {
    const name = this.#name(key);
    const { ttl, metadata } = setOptions(options, "RedisStore.set");
    const result = await this.#write({ name, key, write: { value, ttl: Math.max(1, Math.ceil(ttl)), keep: 0, metadata }, mode: "set" });
    if (result[0] === "revoked")
      throw new SessionStoreError("set", { cause: new Error("the key was ended (a tombstone holds it) and cannot be written yet") });
  }

  /**
   * Deletes the value under `key` (nothing to delete is fine). A tombstone left by {@link RedisStore.end}
   * stays until it lapses.
   */
  async delete(key: string): Promise<void> {
    const name = this.#name(key);
    await this.#command("delete", ["EVAL", DELETE_SCRIPT, 2, name, this.#index, this.#seconds(), key]);
  }

  /**
   * One page of keys under `options.prefix`, in key order (bytes of UTF-8), from the store's key index: no
   * value is read. The cursor is the last key looked at, so deleting keys while listing skips nothing. A key
   * whose time has passed by the store's clock but that Redis still holds is listed with its `expiration`
   * (seconds) in the past; keys Redis dropped are not listed (their index entries are removed on the way).
   */
  async list(options: StoreListOptions = {}): Promise<{ keys: StoreKey[]; cursor?: string | undefined }> {
    const { sub, cursor, limit } = listOptions(options, "RedisStore.list", REDIS_LIMITS.listLimit);
    // Start after the cursor, unless it lies before the sub-prefix (compared as Redis does: UTF-8 bytes).
    const start = cursor && compareBytes(cursor, sub) > 0 ? `(${cursor}` : `[${sub}`;
    const answer = await this.#command("list", ["EVAL", LIST_SCRIPT, 1, this.#index, this.prefix, sub, start, limit]);
    if (!Array.isArray(answer) || !Array.isArray(answer[0])) throw unexpected("list");
    const keys = (answer[0] as unknown[]).map((entry) => {
      const [name, expiration, metadata] = Array.isArray(entry) ? (entry as unknown[]) : [];
      if (typeof name !== "string" || typeof expiration !== "number") throw unexpected("list");
      return { name, expiration, metadata: parseMetadata(metadata) };
    });
    const next: unknown = answer[1];
    return { keys, cursor: typeof next === "string" ? next : undefined };
  }

  /** The stored value with its version; `"revoked"` for an ended key. (No lock is taken: there is none.) */
  async read(key: string): Promise<Snapshot> {
    const name = this.#name(key);
    const now = this.#seconds();
    const [value, version, exp] = await this.#hash("get", name, ["v", "ver", "exp"]);
    if (!(Number(exp) > now)) return { state: "missing" };
    if (typeof value !== "string") return { state: "revoked" };
    return { state: "live", value, version: Number(version) };
  }

  /**
   * Versioned write: commits only if the stored version is still `request.expected` (0: nothing live is
   * stored; absent: unconditional), in one script. A loser is told what won; an ended key refuses.
   */
  async write(key: string, request: WriteRequest): Promise<WriteResult> {
    const name = this.#name(key);
    const write = writeRequest(request, LIMITS);
    const { expected, replaces } = write;
    const result = await this.#write({
      name,
      key,
      write: { ...write, ttl: Math.max(1, write.ttl) },
      mode: expected === undefined ? "any" : String(expected),
      replaces: replaces === undefined ? undefined : { name: this.#name(replaces), key: replaces },
    });
    if (result[0] === "ok") return { ok: true, version: Number(result[1]) };
    if (result[0] === "revoked") return { ok: false, state: "revoked" };
    // 128 random bits are never taken; were one, the replaced session is still live, but this is no conflict to rebase.
    if (replaces !== undefined) throw new SessionStoreError("set", { cause: new Error("the new key was taken") });
    const [, value, version] = result;
    return { ok: false, state: "conflict", current: typeof value === "string" ? { value, version: Number(version) } : null };
  }

  /** Nothing to release: RedisStore takes no lock. */
  async release(): Promise<void> {}

  /**
   * Ends the session stored under `key` for good: the value goes, and a tombstone refuses reads
   * (`"revoked"`) and every write until the session could no longer have been valid (its deadline, plus
   * the clock skew the server tolerates). A key holding nothing is left alone.
   */
  async end(key: string): Promise<void> {
    const name = this.#name(key);
    await this.#command("delete", ["EVAL", END_SCRIPT, 2, name, this.#index, this.#seconds(), key, SKEW]);
  }

  /** Runs the write script; answers its reply: ["ok", version], ["revoked"] or ["conflict", value?, version?]. */
  async #write(script: ScriptWrite): Promise<unknown[]> {
    const { write, replaces } = script;
    const now = this.#now();
    const record = storedRecord(write, LIMITS, now);
    const seconds = Math.floor(now / 1000);
    // Reads check exp against the store's clock; Redis drops the key after ttl + keep whole seconds (the
    // caller rounded them up, at least 1), which is less than a second before exp.
    const exp = Math.max(seconds + 1, record.expires);
    const expire = Math.max(1, write.ttl + write.keep);
    const reply = await this.#command("set", [
      "EVAL",
      WRITE_SCRIPT,
      replaces ? 3 : 2,
      script.name,
      this.#index,
      ...(replaces ? [replaces.name] : []),
      seconds,
      record.value,
      exp,
      record.deadline,
      record.metadata ?? "",
      script.key,
      script.mode,
      expire,
      ...(replaces ? [replaces.key, SKEW] : []),
    ]);
    if (!Array.isArray(reply) || typeof reply[0] !== "string") throw unexpected("set");
    return reply;
  }

  /** Some fields of the hash under `name` (HMGET: one round trip, nothing else read). */
  async #hash(operation: "get", name: string, fields: string[]): Promise<unknown[]> {
    const reply = await this.#command(operation, ["HMGET", name, ...fields]);
    if (!Array.isArray(reply) || reply.length !== fields.length) throw unexpected(operation);
    return reply;
  }

  /**
   * The REST client: one command, `POST url` with the command as a JSON array and the token as a bearer,
   * answered `{ result }` or `{ error }` (Upstash's protocol). Any failure is a `SessionStoreError` naming
   * the operation; its cause says what happened, never the token or a value.
   */
  async #command(operation: SessionStoreError["operation"], command: (string | number)[]): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: "POST",
        headers: { Authorization: `Bearer ${this.#token}`, "Content-Type": "application/json" },
        body: JSON.stringify(command),
      });
    } catch (cause) {
      if (cause instanceof SessionError) throw cause;
      throw new SessionStoreError(operation, { cause });
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw new SessionStoreError(operation, {
        cause: new Error(`Redis REST answered HTTP ${response.status} with a body that is not JSON`),
      });
    }
    const answer = typeof body === "object" && body !== null ? (body as { result?: unknown; error?: unknown }) : {};
    if (!response.ok || answer.error !== undefined || !("result" in answer)) {
      const said = typeof answer.error === "string" ? `: ${answer.error.slice(0, 200)}` : "";
      throw new SessionStoreError(operation, { cause: new Error(`Redis REST answered HTTP ${response.status}${said}`) });
    }
    return answer.result;
  }

  /** The Redis key of `key`, checked: a non-empty well-formed string without NUL that fits with the prefix. */
  #name(key: string): string {
    const name = storedKeyName(this.prefix, key, REDIS_LIMITS.keyBytes, "Redis key");
    // NUL never occurs in a key, so no session key can be the store's index key (prefix + "\0keys").
    if (key.includes("\0")) throw new SessionConfigError("a store key must not contain NUL");
    return name;
  }

  #now(): number {
    return checkedNow(this.#clock, "RedisStore");
  }

  #seconds(): number {
    return Math.floor(this.#now() / 1000);
  }
}

/** One run of the write script: the key (hash name and member), what to write, and the session it replaces. */
interface ScriptWrite {
  name: string;
  key: string;
  write: { value: unknown; ttl: number; keep: number; metadata?: Record<string, unknown> | undefined };
  /** `"set"` (plain, refused by a tombstone), `"any"` (unconditional) or the version to expect. */
  mode: string;
  /** The hash name and the key of the session this write replaces. */
  replaces?: { name: string; key: string } | undefined;
}

/** Order of two strings as Redis compares them: their UTF-8 bytes (which is code point order). */
function compareBytes(a: string, b: string): number {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/** A reply of another shape than the script answers: the endpoint does not speak the protocol. */
function unexpected(operation: SessionStoreError["operation"]): SessionStoreError {
  return new SessionStoreError(operation, { cause: new TypeError("Redis REST answered a result of an unexpected shape") });
}
