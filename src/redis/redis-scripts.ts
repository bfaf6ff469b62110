/** The Lua scripts of RedisStore: every change it makes, each run by Redis alone. */

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
export const WRITE_SCRIPT = `
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
export const DELETE_SCRIPT = `
local cur = redis.call('HMGET', KEYS[1], 'v', 'exp')
if cur[2] and not cur[1] and tonumber(cur[2]) > tonumber(ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[2])
return 1
`;

/** ARGV: now, member, skew. The tombstone lasts to the session's deadline + skew (a tombstone keeps its end). */
export const END_SCRIPT = `
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
export const LIST_SCRIPT = `
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
