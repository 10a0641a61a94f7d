-- Claim a chat message for the job that accepted it. KEYS[1] the message's marker.
-- ARGV: the job's identity (its acceptance time), the marker's lifetime (ms).
-- Returns 1 when the job may process the message (first claim, or a retry of the claiming job), else 0.
local holder = redis.call('GET', KEYS[1])
if not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if holder == ARGV[1] then return 1 end
return 0
