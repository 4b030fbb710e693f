-- botyardDelete (3 keys).
-- KEYS as for write; ARGV[1] the key. Returns 1 when a live key was deleted.
local n = redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
return n
