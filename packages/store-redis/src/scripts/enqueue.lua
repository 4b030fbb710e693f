-- botyardEnqueue (3 keys), after helpers.lua.
-- KEYS[1] the queue (zset: member padded job id, score = when it may next be claimed),
-- KEYS[2] the job id counter, KEYS[3] the dedupe marker (ignored unless ARGV[4] is "1").
-- ARGV[1] job key prefix, ARGV[2] queue name, ARGV[3] payload, ARGV[4] dedupe?, ARGV[5] dedupe TTL
-- ms, ARGV[6] delay ms, ARGV[7] claim token ('' for none: the job waits), ARGV[8] its claim ms.
-- Returns {id, 1} for a duplicate (the first job's id), {id, 0, enqueued at, claimed?} otherwise;
-- with a token, and no job of the queue ready, the job is stored claimed (attempt 1, score at
-- the end of the claim), as a claim would. Queue members are ids zero-padded to 15 digits
-- (JOB_ID_WIDTH in redis-store.ts), so that equal ready times keep FIFO order.
if ARGV[4] == '1' then
  local seen = redis.call('GET', KEYS[3])
  if seen then return {seen, 1} end
end
local now = now_ms()
local n = redis.call('INCR', KEYS[2])
local id = string.format('%d', n)
local claimed = ARGV[7] ~= '' and #redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', int(now), 'LIMIT', 0, 1) == 0
local attempt, token, wait = 0, '', ARGV[6]
if claimed then attempt, token, wait = 1, ARGV[7], ARGV[8] end
redis.call('HSET', ARGV[1] .. id, 'q', ARGV[2], 'p', ARGV[3], 't', int(now), 'a', attempt, 'c', token)
redis.call('ZADD', KEYS[1], int(now + tonumber(wait)), string.format('%015d', n))
if ARGV[4] == '1' then redis.call('SET', KEYS[3], id, 'PX', ARGV[5]) end
return {id, 0, int(now), claimed and 1 or 0}
