-- botyardSweep (2 keys), after helpers.lua.
-- KEYS[1] key index, KEYS[2] expiry index. ARGV[1] value key prefix, ARGV[2] batch size.
-- Returns {entries looked at, index entries removed}.
local now = now_ms()
local members = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', int(now), 'LIMIT', 0, tonumber(ARGV[2]))
local removed = 0
for i = 1, #members do
  local m = members[i]
  local pttl = redis.call('PTTL', ARGV[1] .. m)
  if pttl == -2 then
    redis.call('ZREM', KEYS[1], m)
    redis.call('ZREM', KEYS[2], m)
    removed = removed + 1
  elseif pttl == -1 then
    redis.call('ZREM', KEYS[2], m)
  else
    redis.call('ZADD', KEYS[2], int(now + pttl), m)
  end
end
return {#members, removed}
