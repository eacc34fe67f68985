-- release: give back ARGV[1] to the counter KEYS[1], never below 0.
-- Never creates the counter; keeps its TTL. Returns the counter after.
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
if string.len(raw) > 19 or not string.match(raw, '^%d+$') then
  return redis.error_reply('A2P_MALFORMED counter')
end
local left = tonumber(raw) - tonumber(ARGV[1])
if left < 0 then left = 0 end
redis.call('SET', KEYS[1], string.format('%d', left), 'KEEPTTL')
return left
