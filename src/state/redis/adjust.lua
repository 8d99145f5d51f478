-- Adds ARGV[1] to the counter KEYS[1] (never below zero) and keeps it until ARGV[2] (epoch ms).
local value = redis.call('INCRBY', KEYS[1], tonumber(ARGV[1]))
if value < 0 then
  redis.call('SET', KEYS[1], 0)
  value = 0
end
redis.call('PEXPIREAT', KEYS[1], tonumber(ARGV[2]))
return value
