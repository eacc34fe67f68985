-- compare_and_set on the value KEYS[1].
-- ARGV has_expected ('0'/'1'), expected, has_value ('0'/'1'), value, ttl_ms.
-- Returns 1 when the value was set (or deleted), 0 otherwise.
local cur = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if cur ~= ARGV[2] then return 0 end
elseif cur then
  return 0
end
if ARGV[3] == '1' then
  if ARGV[5] ~= '' then
    redis.call('SET', KEYS[1], ARGV[4], 'PX', ARGV[5])
  else
    redis.call('SET', KEYS[1], ARGV[4])
  end
elseif cur then
  redis.call('DEL', KEYS[1])
end
return 1
