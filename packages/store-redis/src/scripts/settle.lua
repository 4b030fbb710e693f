-- botyardSettle (1 key), after helpers.lua.
-- KEYS[1] the queue. ARGV[1] job key, ARGV[2] queue member, ARGV[3] queue name, ARGV[4] claim
-- token, ARGV[5] "ack" | "release" | "extend", ARGV[6] delay or claim ms. The claim must carry the
-- current token and it must still run: a claim that ran out is lost even if nobody
-- has claimed the job again. Returns 1 when done, 0 when the claim was lost.
if ARGV[4] == '' then return 0 end
local fields = redis.call('HMGET', ARGV[1], 'q', 'c')
if fields[1] ~= ARGV[3] or fields[2] ~= ARGV[4] then return 0 end
local now = now_ms()
local score = redis.call('ZSCORE', KEYS[1], ARGV[2])
if not score or tonumber(score) <= now then return 0 end
local op = ARGV[5]
if op == 'ack' then
  redis.call('DEL', ARGV[1])
  redis.call('ZREM', KEYS[1], ARGV[2])
elseif op == 'release' then
  redis.call('HSET', ARGV[1], 'c', '')
  redis.call('ZADD', KEYS[1], int(now + tonumber(ARGV[6])), ARGV[2])
else
  redis.call('ZADD', KEYS[1], int(now + tonumber(ARGV[6])), ARGV[2])
end
return 1
