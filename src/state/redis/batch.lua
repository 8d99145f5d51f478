-- Every limiter operation one replica queued in one turn of its event loop, in one round trip.
-- First the adjustments (settled reservations), then the consumes in the order they were asked, each one
-- all-or-nothing over its own windows, each seeing what the ones before it did.
--
-- KEYS: every counter the batch touches, once each (many calls of one caller share their counters).
-- ARGV[1]: the numbers, space-separated (one argument is far cheaper for the client to send than hundreds):
--   the adjustment count A; per adjustment its key's index in KEYS, delta, resetAt (epoch ms); per consume
--   its window count n, then per window its key's index, limit, amount, resetAt.
-- Returns, per consume: allowed (1|0), blocked index (1-based, 0 when allowed), then the n windows' used
-- amounts (after the consume when allowed).
local numbers = {}
for token in string.gmatch(ARGV[1], '%S+') do
  numbers[#numbers + 1] = tonumber(token)
end

local at = 1
local adjustments = numbers[at]
at = at + 1
for _ = 1, adjustments do
  local key = KEYS[numbers[at]]
  local value = redis.call('INCRBY', key, numbers[at + 1])
  if value < 0 then
    redis.call('SET', key, 0)
  end
  redis.call('PEXPIREAT', key, numbers[at + 2])
  at = at + 3
end

local reply = {}
while at <= #numbers do
  local n = numbers[at]
  at = at + 1
  local used = {}
  local blocked = 0
  for i = 1, n do
    local window = at + (i - 1) * 4
    local current = tonumber(redis.call('GET', KEYS[numbers[window]]) or '0')
    used[i] = current
    if blocked == 0 and current + numbers[window + 2] > numbers[window + 1] then
      blocked = i
    end
  end
  if blocked == 0 then
    reply[#reply + 1] = 1
    reply[#reply + 1] = 0
    for i = 1, n do
      local window = at + (i - 1) * 4
      local amount = numbers[window + 2]
      if amount ~= 0 then
        local key = KEYS[numbers[window]]
        used[i] = redis.call('INCRBY', key, amount)
        redis.call('PEXPIREAT', key, numbers[window + 3])
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
  at = at + n * 4
end
return reply
