-- Stores one response-cache entry and keeps the shared byte bound, atomically.
-- KEYS[1]: the recency sorted set (member -> last use, ms), KEYS[2]: the sizes hash (member -> bytes),
-- KEYS[3]: the byte total, KEYS[4]: the entry's value key.
-- ARGV: member, value, ttl ms, size, now ms, max bytes, the value-key prefix (for evicted members).
-- Evicts least recently used members (their values, sizes and recency) until the new entry fits.
local member, value, ttl, size, now, max, prefix = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7]
local previous = redis.call('HGET', KEYS[2], member)
if previous then
  redis.call('DECRBY', KEYS[3], tonumber(previous))
  redis.call('HDEL', KEYS[2], member)
  redis.call('ZREM', KEYS[1], member)
end
local total = tonumber(redis.call('GET', KEYS[3]) or '0')
while total + size > max do
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0)[1]
  if not oldest then break end
  local bytes = tonumber(redis.call('HGET', KEYS[2], oldest) or '0')
  redis.call('DEL', prefix .. oldest)
  redis.call('HDEL', KEYS[2], oldest)
  redis.call('ZREM', KEYS[1], oldest)
  total = tonumber(redis.call('DECRBY', KEYS[3], bytes))
end
redis.call('SET', KEYS[4], value, 'PX', ttl)
redis.call('ZADD', KEYS[1], now, member)
redis.call('HSET', KEYS[2], member, size)
redis.call('INCRBY', KEYS[3], size)
return 1
