import { SessionConfigError, SessionError, SessionStoreError } from "../core/errors.js";
import { checkKeys, type KnownKeys } from "../core/known-keys.js";
import { CLOCK_SKEW_MS } from "../core/expiry.js";
import { isTtl, MAX_TTL, type Snapshot, type VersionedSessions, type WriteRequest, type WriteResult } from "../stores/versioned.js";
import type { SessionStore, StoreKey, StoreListOptions, StoreSetOptions } from "../stores/store.js";
import { readMetadata, storedLifetime } from "../stores/stored-session.js";
import {
  checkedNow,
  LONE_SURROGATE,
  metadataJson,
  pageLimit,
  parseMetadata,
  storedKeyName,
  storedValue,
  versionedOptions,
} from "../stores/store-input.js";

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

const encoder = new TextEncoder();
const SKEW = Math.ceil(CLOCK_SKEW_MS / 1000);

/*
 * Every change is one Lua script (EVAL), so Redis runs it alone: the compare-and-swap of a versioned write,
 * the tombstone check of a plain write and the upkeep of the key index happen at once or not at all.
 * A key is a hash: v (value), ver (version), exp (when the record goes, seconds), dl (the session's
 * deadline, seconds), md (metadata JSON). A tombstone is a hash without v. Redis drops the hash at its
 * EXPIRE; every read also checks exp against the store's clock, so expiry is exact to the second.
 * KEYS[1] is the hash, KEYS[2] the store's key index: a sorted set of key names (without the prefix), all
 * of score 0, so ZRANGEBYLEX lists them in byte order, exactly once each.
 */

/**
 * ARGV: now, value, exp, deadline, metadata ("" none), member, expected ("any", or a version) or "set",
 * Redis TTL (whole seconds); when the write replaces a session (KEYS[3], its hash), its member and the skew.
 * The replaced session must be live, and is ended (as END_SCRIPT does) with the write.
 */
const WRITE_SCRIPT = `
local now = tonumber(ARGV[1])
local old = KEYS[3] and redis.call('HMGET', KEYS[3], 'v', 'ver', 'exp', 'dl')
if old and not (old[1] and tonumber(old[3]) > now) then return {'revoked'} end
local cur = redis.call('HMGET', KEYS[1], 'v', 'ver', 'exp')
local live = cur[3] and tonumber(cur[3]) > now
if live and not cur[1] then return {'revoked'} end
local ver = tonumber(cur[2]) or 0
local mode = ARGV[7]
if mode ~= 'any' and mode ~= 'set' then
  local current = 0
  if live then current = ver end
  if tonumber(mode) ~= current then
    if live then return {'conflict', cur[1], ver} end
    return {'conflict'}
  end
end
if old then
  local ends = tonumber(old[4]) + tonumber(ARGV[10])
  redis.call('DEL', KEYS[3])
  redis.call('ZREM', KEYS[2], ARGV[9])
  if ends > now then
    redis.call('HSET', KEYS[3], 'ver', (tonumber(old[2]) or 0) + 1, 'exp', ends)
    redis.call('EXPIRE', KEYS[3], ends - now)
  end
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'ver', ver + 1, 'exp', ARGV[3], 'dl', ARGV[4])
if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'md', ARGV[5]) end
redis.call('EXPIRE', KEYS[1], ARGV[8])
redis.call('ZADD', KEYS[2], 0, ARGV[6])
-- Upkeep: index entries of keys Redis has dropped go two at a time, so the index stays near the live keys.
local prefix = string.sub(KEYS[1], 1, #KEYS[1] - #ARGV[6])
for _, m in ipairs(redis.call('ZRANDMEMBER', KEYS[2], 2)) do
  if redis.call('EXISTS', prefix .. m) == 0 then redis.call('ZREM', KEYS[2], m) end
end
return {'ok', ver + 1}
`;

/** ARGV: now, member. A live tombstone stays. */
const DELETE_SCRIPT = `
local cur = redis.call('HMGET', KEYS[1], 'v', 'exp')
if cur[2] and not cur[1] and tonumber(cur[2]) > tonumber(ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[2])
return 1
`;

/** ARGV: now, member, skew. The tombstone lasts to the session's deadline + skew (a tombstone keeps its end). */
const END_SCRIPT = `
local now = tonumber(ARGV[1])
local cur = redis.call('HMGET', KEYS[1], 'v', 'ver', 'exp', 'dl')
if not cur[3] then return 0 end
local ends = tonumber(cur[3])
if cur[1] then ends = tonumber(cur[4]) + tonumber(ARGV[3]) end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[2])
if ends <= now then return 0 end
redis.call('HSET', KEYS[1], 'ver', (tonumber(cur[2]) or 0) + 1, 'exp', ends)
redis.call('EXPIRE', KEYS[1], ends - now)
return 1
`;

/**
 * ARGV: prefix, sub-prefix, start (a ZRANGEBYLEX bound), limit. Answers {page, cursor}: each entry
 * {name, exp, metadata or false}; the cursor (false on the last page) is the last name looked at. Entries
 * of dropped keys are removed on the way; at most 1000 are looked at per call, so a page may be short.
 */
const LIST_SCRIPT = `
local prefix, sub, limit = ARGV[1], ARGV[2], tonumber(ARGV[4])
local start = ARGV[3]
local out, seen, last = {}, 0, false
while true do
  local batch = redis.call('ZRANGEBYLEX', KEYS[1], start, '+', 'LIMIT', 0, 100)
  if #batch == 0 then return {out, false} end
  for _, m in ipairs(batch) do
    if string.sub(m, 1, #sub) ~= sub then return {out, false} end
    if #out == limit or seen == 1000 then return {out, last} end
    seen = seen + 1
    local h = redis.call('HMGET', prefix .. m, 'exp', 'md', 'v')
    if h[1] and h[3] then out[#out + 1] = {m, tonumber(h[1]), h[2]} else redis.call('ZREM', KEYS[1], m) end
    last = m
  end
  start = '(' .. batch[#batch]
end
`;

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
  readonly url: string;
  /** See {@link RedisStoreOptions.prefix}. */
  readonly prefix: string;
  /** The value limit this store checks (`REDIS_LIMITS.valueBytes`, 900 KiB). */
  readonly maxValueBytes = REDIS_LIMITS.valueBytes;
  /** Redis takes no session lock here: requests of one session run in parallel and their writes are merged. */
  readonly exclusive: undefined = undefined;
  readonly onConflict: "merge" | "error";
  /** The versioned capability (this store itself): what a wrapper forwards to keep the guarantees. */
  readonly versioned: VersionedSessions;
  readonly #token: string;
  readonly #clock: () => number;
  /** The sorted set of this store's key names. */
  readonly #index: string;

  constructor(options: RedisStoreOptions) {
    if (typeof options !== "object" || options === null) throw new SessionConfigError("RedisStore needs options: { url, token }");
    if ((options as { exclusive?: unknown }).exclusive !== undefined) {
      throw new SessionConfigError("RedisStore offers no session lock (exclusive): use a DurableObjectStore with exclusive: true");
    }
    checkKeys(options, REDIS_STORE_OPTIONS, "RedisStore options");
    const { url, token } = options;
    if (typeof url !== "string" || !/^https?:\/\/[^/?#]+/.test(url) || !URL.canParse(url)) {
      throw new SessionConfigError("RedisStore url must be the database's REST URL (https://...)");
    }
    // The token is a secret: the message says what is wrong, never what was given.
    if (typeof token !== "string" || token.length === 0 || /[\s]/.test(token))
      throw new SessionConfigError("RedisStore token must be a non-empty string without spaces");
    const prefix = options.prefix ?? "session:";
    if (
      typeof prefix !== "string" ||
      LONE_SURROGATE.test(prefix) ||
      prefix.includes("\0") ||
      encoder.encode(prefix).byteLength > REDIS_LIMITS.keyBytes - 64
    ) {
      throw new SessionConfigError(
        `RedisStore prefix must be a well-formed string of at most ${REDIS_LIMITS.keyBytes - 64} bytes, without NUL`,
      );
    }
    const { onConflict, clock: now } = versionedOptions(options);
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
    if (typeof options !== "object" || options === null) throw new SessionConfigError("RedisStore.set needs an options object");
    if (typeof options.ttl !== "number" || !(options.ttl >= 0 && options.ttl <= MAX_TTL)) {
      throw new SessionConfigError(`ttl must be a number of seconds from 0 to ${MAX_TTL} (10 years)`);
    }
    const { ttl, keep, metadata } = storedLifetime({ ttl: Math.max(1, Math.ceil(options.ttl)), metadata: options.metadata });
    const result = await this.#write("set", name, key, value, ttl, keep, options.metadata, metadata, "set");
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
    if (typeof options !== "object" || options === null) throw new SessionConfigError("RedisStore.list needs an options object");
    const { cursor } = options;
    const sub = options.prefix ?? "";
    if (typeof sub !== "string" || (cursor !== undefined && typeof cursor !== "string"))
      throw new SessionConfigError("list prefix and cursor must be strings");
    const limit = pageLimit(options.limit, REDIS_LIMITS.listLimit);
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
    if (typeof request !== "object" || request === null) throw new SessionConfigError("write needs a request object");
    const keep = request.keep ?? 0;
    if (!isTtl(request.ttl) || !isTtl(keep) || !isTtl(request.ttl + keep)) {
      throw new SessionConfigError(`ttl and keep must be whole numbers of seconds, together at most ${MAX_TTL} (10 years)`);
    }
    const { expected } = request;
    if (expected !== undefined && !(Number.isSafeInteger(expected) && expected >= 0)) {
      throw new SessionConfigError("expected must be a version (a whole number, at least 0)");
    }
    const { replaces } = request;
    if (replaces !== undefined && expected !== 0) {
      throw new SessionConfigError("a write that replaces a session creates a new key: expected must be 0");
    }
    const result = await this.#write(
      "set",
      name,
      key,
      request.value,
      Math.max(1, request.ttl),
      keep,
      request.metadata,
      readMetadata(request.metadata),
      expected === undefined ? "any" : String(expected),
      replaces === undefined ? [] : [this.#name(replaces), replaces],
    );
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
  async #write(
    operation: "set",
    name: string,
    key: string,
    value: unknown,
    ttl: number,
    keep: number,
    given: Record<string, unknown> | undefined,
    session: { expires: number } | undefined,
    mode: string,
    /** The hash and the key of the session this write replaces, or none. */
    replaces: [string, string] | [] = [],
  ): Promise<unknown[]> {
    const stored = storedValue(value, REDIS_LIMITS.valueBytes, "Redis value");
    const metadata = metadataJson(given, REDIS_LIMITS.metadataBytes, "Redis metadata") ?? "";
    const now = this.#now() / 1000;
    const seconds = Math.floor(now);
    // The session's own deadline is the one its metadata names, else the ttl's end.
    const deadline = session?.expires ?? Math.ceil(now + ttl);
    // Reads check exp against the store's clock; Redis drops the key after ttl + keep whole seconds (the
    // caller rounded them up, at least 1), which is less than a second before exp.
    const exp = Math.max(seconds + 1, Math.ceil(now + ttl + keep));
    const expire = Math.max(1, ttl + keep);
    const reply = await this.#command(operation, [
      "EVAL",
      WRITE_SCRIPT,
      2 + (replaces.length && 1),
      name,
      this.#index,
      ...replaces.slice(0, 1),
      seconds,
      stored,
      exp,
      deadline,
      metadata,
      key,
      mode,
      expire,
      ...(replaces.length ? [replaces[1]!, SKEW] : []),
    ]);
    if (!Array.isArray(reply) || typeof reply[0] !== "string") throw unexpected(operation);
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
