-- Reserve the next send slot of one robot: at most ARGV[3] messages per ARGV[2] ms window.
-- KEYS[1] sorted set of reserved slot times; KEYS[2] "paused until" time (ms).
-- ARGV: now, window, max, member, margin. Returns the reserved slot time (ms).
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local max = tonumber(ARGV[3])
local margin = tonumber(ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window - margin)
local n = redis.call('ZCARD', KEYS[1])
local slot = now
if n >= max then
  local r = redis.call('ZRANGE', KEYS[1], n - max, n - max, 'WITHSCORES')
  slot = math.max(now, tonumber(r[2]) + window + margin)
end
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
if paused > slot then slot = paused end
redis.call('ZADD', KEYS[1], slot, ARGV[4])
redis.call('PEXPIRE', KEYS[1], slot - now + window + margin + 1000)
return slot
