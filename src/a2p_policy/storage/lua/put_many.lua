-- put_many: set every value key of KEYS at once.
-- ARGV ttl_ms ('' for none), then the values in KEYS order.
for i, k in ipairs(KEYS) do
  if ARGV[1] ~= '' then
    redis.call('SET', k, ARGV[i + 1], 'PX', ARGV[1])
  else
    redis.call('SET', k, ARGV[i + 1])
  end
end
return #KEYS
