-- botyardClaim (1 key), after helpers.lua.
-- KEYS[1] the queue. ARGV[1] job key prefix, ARGV[2] claim ms, ARGV[3] new claim token.
-- Takes the job that has been ready longest (lowest score, then lowest id), gives it the new
-- token and pushes its score to the end of the lease: a claimed job is one whose score is in the
-- future and whose token is set. Returns {id, payload, attempt, enqueuedAt} or nil.
local now = now_ms()
for _ = 1, 100 do
  local ready = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', int(now), 'LIMIT', 0, 1)
  if #ready == 0 then return false end
  local member = ready[1]
  local id = string.gsub(member, '^0+', '')
  local job = ARGV[1] .. id
  if redis.call('EXISTS', job) == 1 then
    redis.call('HSET', job, 'c', ARGV[3])
    local attempt = redis.call('HINCRBY', job, 'a', 1)
    redis.call('ZADD', KEYS[1], int(now + tonumber(ARGV[2])), member)
    local fields = redis.call('HMGET', job, 'p', 't')
    return {id, fields[1], attempt, fields[2]}
  end
  -- A queue entry without its job (cannot happen through this store): drop it and look again.
  redis.call('ZREM', KEYS[1], member)
end
return false
