-- botyardList (2 keys).
-- KEYS[1] key index, KEYS[2] expiry index. ARGV[1] value key prefix, ARGV[2] the prefix listed,
-- ARGV[3] limit (-1: none). Walks the index from the prefix in byte order (which is code point
-- order for UTF-8) and stops at the first member that does not start with it, so the prefix is
-- taken literally and needs no upper bound. Members whose value has expired are removed here.
-- Returns key, value, key, value...
local prefix = ARGV[2]
local plen = string.len(prefix)
local limit = tonumber(ARGV[3])
local out = {}
local found = 0
local min = '[' .. prefix
local batch = 256
while true do
  local members = redis.call('ZRANGEBYLEX', KEYS[1], min, '+', 'LIMIT', 0, batch)
  for i = 1, #members do
    local m = members[i]
    if string.sub(m, 1, plen) ~= prefix then return out end
    local v = redis.call('GET', ARGV[1] .. m)
    if v then
      out[#out + 1] = m
      out[#out + 1] = v
      found = found + 1
      if limit >= 0 and found >= limit then return out end
    else
      redis.call('ZREM', KEYS[1], m)
      redis.call('ZREM', KEYS[2], m)
    end
  end
  if #members < batch then return out end
  min = '(' .. members[#members]
end
