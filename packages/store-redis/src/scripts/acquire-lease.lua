-- botyardAcquireLease (1 key).
-- KEYS[1] the lease. ARGV[1] owner, ARGV[2] TTL ms. Free, expired (Redis has dropped it) or
-- already ours: take it (re-acquiring renews). Returns 1 when the owner holds it now.
local current = redis.call('GET', KEYS[1])
if current and current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
