-- All-or-nothing consume over several windows. KEYS[i]: counter i. ARGV: now, then per counter limit, amount, resetAt.
-- Returns {allowed (1|0), blocked index (1-based, 0 when allowed), used_1, used_2, …} (used after the consume when allowed).
local now = tonumber(ARGV[1])
local n = #KEYS
local used = {}
local blocked = 0
for i = 1, n do
  local limit = tonumber(ARGV[2 + (i - 1) * 3])
  local amount = tonumber(ARGV[3 + (i - 1) * 3])
  local current = tonumber(redis.call('GET', KEYS[i]) or '0')
  used[i] = current
  if blocked == 0 and current + amount > limit then blocked = i end
end
if blocked ~= 0 then
  local reply = {0, blocked}
  for i = 1, n do reply[#reply + 1] = used[i] end
  return reply
end
local reply = {1, 0}
for i = 1, n do
  local amount = tonumber(ARGV[3 + (i - 1) * 3])
  local resetAt = tonumber(ARGV[4 + (i - 1) * 3])
  local value = redis.call('INCRBY', KEYS[i], amount)
  redis.call('PEXPIREAT', KEYS[i], resetAt)
  reply[#reply + 1] = value
end
return reply
