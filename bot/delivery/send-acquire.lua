-- Record one send of a robot now, if its window allows: at most ARGV[3] sends in ARGV[2] ms.
-- KEYS[1] sorted set of actual send times; KEYS[2] "paused until" time (ms).
-- ARGV: now, window, max, member, margin. Returns 0 when recorded, else ms to wait.
local now = tonumber(ARGV[1])
local span = tonumber(ARGV[2]) + tonumber(ARGV[5])
local max = tonumber(ARGV[3])
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
if paused > now then return paused - now end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - span)
local n = redis.call('ZCARD', KEYS[1])
if n >= max then
  local r = redis.call('ZRANGE', KEYS[1], n - max, n - max, 'WITHSCORES')
  return math.max(1, tonumber(r[2]) + span - now)
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], span + 1000)
return 0
