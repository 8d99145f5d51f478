-- The response cache's entries and bookkeeping on Redis, one operation a call; Redis runs a script alone, so
-- every replica sees the byte total, the recency order and the entries change together.
--
-- KEYS[1] recency: sorted set, member -> use sequence (an INCR of KEYS[5], not a time: exact order across
--         replicas whatever their clocks, and within one millisecond)
-- KEYS[2] expiry: sorted set, member -> expiresAt (epoch ms, the callers' clock, as in the entry itself)
-- KEYS[3] sizes: hash, member -> bytes (key plus value, UTF-8), so eviction and cleanup know what to subtract
-- KEYS[4] total: the sum of the sizes hash, kept exact by every change to it
-- KEYS[5] the use sequence
-- ARGV[1] the operation, ARGV[2] the prefix of value keys (value key = prefix .. member), then:
--   get    member now                                    -> the stored value, or nil
--   set    member stored ttlMs bytes now expiresAt max   -> 1
--   delete member                                        -> 1
--   size   now                                           -> {entries, bytes}
-- A value key holds 'storedAt:expiresAt:' .. value with PX ttlMs, so Redis frees it even if no call meets it
-- again; a member whose value is gone is forgotten (its bytes leave the total) when a call meets it.
local recency, expiry, sizes, total, sequence = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local operation, valuePrefix = ARGV[1], ARGV[2]

local function forget(member)
  local bytes = redis.call('HGET', sizes, member)
  redis.call('DEL', valuePrefix .. member)
  redis.call('ZREM', recency, member)
  redis.call('ZREM', expiry, member)
  if bytes then
    redis.call('HDEL', sizes, member)
    redis.call('DECRBY', total, bytes)
  end
end

-- Every member past its expiry, wherever it sits in the recency order: an expired entry must not keep a live
-- one out of the bound.
local function forgetExpired(now)
  for _, member in ipairs(redis.call('ZRANGEBYSCORE', expiry, '-inf', now)) do
    forget(member)
  end
end

local function touch(member)
  redis.call('ZADD', recency, redis.call('INCR', sequence), member)
end

local function makeRoom(bytes, max)
  local held = tonumber(redis.call('GET', total) or '0')
  while held + bytes > max do
    local oldest = redis.call('ZRANGE', recency, 0, 0)[1]
    if not oldest then
      -- Nothing left to evict means nothing is held; a total above zero is a leftover of a script that failed
      -- halfway (out of memory), corrected here rather than refusing every entry from now on.
      redis.call('SET', total, 0)
      return
    end
    forget(oldest)
    held = tonumber(redis.call('GET', total) or '0')
  end
end

if operation == 'get' then
  local member, now = ARGV[3], tonumber(ARGV[4])
  local stored = redis.call('GET', valuePrefix .. member)
  local expiresAt = tonumber(redis.call('ZSCORE', expiry, member))
  if stored and expiresAt and expiresAt > now then
    touch(member)
    return stored
  end
  if stored or expiresAt then
    forget(member)
  end
  return false
end

if operation == 'set' then
  local member, stored, ttl, bytes, now, expiresAt, max =
    ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7]), ARGV[8], tonumber(ARGV[9])
  forgetExpired(now)
  forget(member)
  makeRoom(bytes, max)
  redis.call('SET', valuePrefix .. member, stored, 'PX', ttl)
  touch(member)
  redis.call('ZADD', expiry, expiresAt, member)
  redis.call('HSET', sizes, member, bytes)
  redis.call('INCRBY', total, bytes)
  return 1
end

if operation == 'delete' then
  forget(ARGV[3])
  return 1
end

if operation == 'size' then
  forgetExpired(tonumber(ARGV[3]))
  return { redis.call('ZCARD', recency), tonumber(redis.call('GET', total) or '0') }
end

return redis.error_reply('unknown response cache operation ' .. tostring(operation))
