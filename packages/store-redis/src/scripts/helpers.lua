-- Prepended to the scripts that need them (see scripts.ts). Time comes from Redis's clock, never
-- the caller's, so replicas whose clocks drift still agree on when a claim or a delay runs out.
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function int(n) return string.format('%.0f', n) end
