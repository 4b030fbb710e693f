-- Writes a value and keeps the two indexes in step with it (prepended, after helpers.lua).
-- KEYS[1] value key, KEYS[2] key index (zset, score 0), KEYS[3] expiry index (zset, score = expiry ms).
-- ARGV[1] the key (index member), ARGV[2] JSON text, ARGV[3] TTL in ms, "0" for none.
local function write()
  local ttl = tonumber(ARGV[3])
  if ttl > 0 then
    redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
    redis.call('ZADD', KEYS[3], int(now_ms() + ttl), ARGV[1])
  else
    redis.call('SET', KEYS[1], ARGV[2])
    redis.call('ZREM', KEYS[3], ARGV[1])
  end
  redis.call('ZADD', KEYS[2], 0, ARGV[1])
end
