-- Every limiter operation one replica queued in one turn of its event loop, in one round trip.
-- First the adjustments (settled reservations), then the consumes in the order they were asked, each one
-- all-or-nothing over its own windows, each seeing what the ones before it did.
--
-- KEYS: the adjusted counters, then every consume's counters, in order.
-- ARGV[1]: the numbers, space-separated (one argument is far cheaper for the client to send than hundreds):
--   the adjustment count A; per adjustment delta, resetAt (epoch ms); per consume its window count n, then
--   per window limit, amount, resetAt.
-- Returns, per consume: allowed (1|0), blocked index (1-based, 0 when allowed), then the n windows' used
-- amounts (after the consume when allowed).
local numbers = {}
for token in string.gmatch(ARGV[1], '%S+') do
  numbers[#numbers + 1] = tonumber(token)
end

local key = 0
local at = 1
local adjustments = numbers[at]
at = at + 1
for _ = 1, adjustments do
  key = key + 1
  local value = redis.call('INCRBY', KEYS[key], numbers[at])
  if value < 0 then
    redis.call('SET', KEYS[key], 0)
  end
  redis.call('PEXPIREAT', KEYS[key], numbers[at + 1])
  at = at + 2
end

local reply = {}
while at <= #numbers do
  local n = numbers[at]
  at = at + 1
  local used = {}
  local blocked = 0
  for i = 1, n do
    local current = tonumber(redis.call('GET', KEYS[key + i]) or '0')
    used[i] = current
    if blocked == 0 and current + numbers[at + (i - 1) * 3 + 1] > numbers[at + (i - 1) * 3] then
      blocked = i
    end
  end
  if blocked == 0 then
    reply[#reply + 1] = 1
    reply[#reply + 1] = 0
    for i = 1, n do
      local amount = numbers[at + (i - 1) * 3 + 1]
      if amount ~= 0 then
        used[i] = redis.call('INCRBY', KEYS[key + i], amount)
        redis.call('PEXPIREAT', KEYS[key + i], numbers[at + (i - 1) * 3 + 2])
      end
      reply[#reply + 1] = used[i]
    end
  else
    reply[#reply + 1] = 0
    reply[#reply + 1] = blocked
    for i = 1, n do
      reply[#reply + 1] = used[i]
    end
  end
  key = key + n
  at = at + n * 3
end
return reply
