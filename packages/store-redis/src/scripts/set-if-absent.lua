-- botyardSetIfAbsent (3 keys), after helpers.lua and write.lua.
-- A key that has expired is absent: EXISTS does not see it.
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
write()
return 1
