-- Reads one response-cache entry and marks it used. An entry whose value expired (its TTL) leaves the
-- recency set, the sizes hash and the byte total here.
-- KEYS[1]: recency sorted set, KEYS[2]: sizes hash, KEYS[3]: byte total, KEYS[4]: the value key.
-- ARGV: member, now ms.
local value = redis.call('GET', KEYS[4])
if not value then
  local bytes = redis.call('HGET', KEYS[2], ARGV[1])
  if bytes then
    redis.call('DECRBY', KEYS[3], tonumber(bytes))
    redis.call('HDEL', KEYS[2], ARGV[1])
    redis.call('ZREM', KEYS[1], ARGV[1])
  end
  return false
end
redis.call('ZADD', KEYS[1], tonumber(ARGV[2]), ARGV[1])
return value
