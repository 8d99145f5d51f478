-- Circuit breakers shared by replicas: one transition a call. Redis runs a script alone, so a count that
-- reaches the threshold opens the breaker once, a failed probe re-opens it once, and every change is
-- announced in the same step that makes it.
--
-- KEYS[1] states: hash, deployment -> 'version' (closed) or 'version openedAt reopensAt opens' (open). The
--         version grows with every change and is kept once closed, so replicas can tell older from newer.
-- KEYS[2] failures: hash, deployment -> 'count until' (the window ends at until, the callers' clock)
-- KEYS[3] the deployment's probe: the elected caller's token, with PX (a probe that never reports lapses)
-- ARGV[1] the operation, ARGV[2] the pub/sub channel, ARGV[3] the deployment, then:
--   failure  now windowEnd threshold period  -> {count or 0, until or '', state, opened 0/1}
--   success                                   -> {state, closed 0/1}
--   reopen   version period                   -> {state, reopened 0/1}
--   claim    token ttlMs now                  -> {claimed 0/1, state}
--   release  token                            -> 1
--   read                                      -> {states as HGETALL, failures as HGETALL}
-- period is 'openedAt reopensAt opens', worked out by the caller. Each change is published on the channel
-- as the new state, a newline, the deployment.
local states, failures, probe = KEYS[1], KEYS[2], KEYS[3]
local operation, channel, deployment = ARGV[1], ARGV[2], ARGV[3]

local function load()
  local raw = redis.call('HGET', states, deployment)
  if not raw then return { version = 0, raw = '0' } end
  local version, reopensAt = string.match(raw, '^(%d+) %S+ (%S+) %S+$')
  if version then return { version = tonumber(version), reopensAt = tonumber(reopensAt), raw = raw } end
  return { version = tonumber(raw), raw = raw }
end

-- period nil: closed. The count starts over and any probe is void with every change.
local function save(state, period)
  local raw = string.format('%d', state.version + 1)
  if period then raw = raw .. ' ' .. period end
  redis.call('HSET', states, deployment, raw)
  redis.call('HDEL', failures, deployment)
  redis.call('DEL', probe)
  redis.call('PUBLISH', channel, raw .. '\n' .. deployment)
  return raw
end

if operation == 'failure' then
  local now, windowEnd, threshold, period = tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6]), ARGV[7]
  local state = load()
  if state.reopensAt then return { 0, '', state.raw, 0 } end
  local count, untilText = 1, windowEnd
  local counted = redis.call('HGET', failures, deployment)
  if counted then
    local previous, previousUntil = string.match(counted, '^(%d+) (%S+)$')
    if now < tonumber(previousUntil) then
      count, untilText = tonumber(previous) + 1, previousUntil
    end
  end
  if count >= threshold then return { 0, '', save(state, period), 1 } end
  redis.call('HSET', failures, deployment, string.format('%d', count) .. ' ' .. untilText)
  return { count, untilText, state.raw, 0 }
end

if operation == 'success' then
  redis.call('HDEL', failures, deployment)
  local state = load()
  if not state.reopensAt then return { state.raw, 0 } end
  return { save(state, nil), 1 }
end

if operation == 'reopen' then
  local version, period = tonumber(ARGV[4]), ARGV[5]
  local state = load()
  if state.version ~= version or not state.reopensAt then return { state.raw, 0 } end
  return { save(state, period), 1 }
end

if operation == 'claim' then
  local token, ttlMs, now = ARGV[4], ARGV[5], tonumber(ARGV[6])
  local state = load()
  if not state.reopensAt or now < state.reopensAt then return { 0, state.raw } end
  if redis.call('SET', probe, token, 'NX', 'PX', ttlMs) then return { 1, state.raw } end
  return { 0, state.raw }
end

if operation == 'release' then
  if redis.call('GET', probe) == ARGV[4] then redis.call('DEL', probe) end
  return 1
end

if operation == 'read' then
  return { redis.call('HGETALL', states), redis.call('HGETALL', failures) }
end

return redis.error_reply('circuit-breaker.lua: unknown operation ' .. tostring(operation))
