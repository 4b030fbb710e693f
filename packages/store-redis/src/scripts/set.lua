-- botyardSet (3 keys), after helpers.lua and write.lua.
write()
return 1
