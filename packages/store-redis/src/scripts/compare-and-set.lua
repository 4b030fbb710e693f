-- botyardCompareAndSet (3 keys), after helpers.lua and write.lua.
-- ARGV[4] "1" when the caller expects the key absent, else ARGV[5] is the expected JSON text,
-- compared byte for byte with the stored text (as SQLite compares it).
local current = redis.call('GET', KEYS[1])
if ARGV[4] == '1' then
  if current then return 0 end
elseif current ~= ARGV[5] then
  return 0
end
write()
return 1
