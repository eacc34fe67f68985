-- reserve: add up to ARGV[1] to the counter KEYS[1] without passing ARGV[2].
-- KEYS[1] counter; ARGV amount, limit, ttl_ms ('' for none).
-- Returns {granted, used}. A stored counter that is not a non-negative
-- integer is refused (fail closed: it never grants).
local raw = redis.call('GET', KEYS[1])
local used = 0
if raw then
  if string.len(raw) > 19 or not string.match(raw, '^%d+$') then
    return redis.error_reply('A2P_MALFORMED counter')
  end
  used = tonumber(raw)
end
local amount = tonumber(ARGV[1])
local room = tonumber(ARGV[2]) - used
if room < 0 then room = 0 end
local granted = amount
if room < granted then granted = room end
if granted > 0 then
  used = redis.call('INCRBY', KEYS[1], string.format('%d', granted))
  if ARGV[3] ~= '' then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
end
return {granted, used}
