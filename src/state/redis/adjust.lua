-- Adds to several counters in one round trip: KEYS[i] gets ARGV[2i-1] (never below zero) and is kept until
-- ARGV[2i] (epoch ms). Settles the reservations of one call (tokens, spend, a concurrency slot) at once.
for i = 1, #KEYS do
  local value = redis.call('INCRBY', KEYS[i], tonumber(ARGV[2 * i - 1]))
  if value < 0 then
    redis.call('SET', KEYS[i], 0)
  end
  redis.call('PEXPIREAT', KEYS[i], tonumber(ARGV[2 * i]))
end
return #KEYS
