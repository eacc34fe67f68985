-- snapshot: everything one decision reads, in one consistent read.
-- KEYS: the value keys, then the log keys, then the counter keys.
-- ARGV: how many value keys, how many log keys (the rest are counters).
-- Returns {values, logs, counters}: each value as GET (nil when missing),
-- each log as last_many.lua ({version, entry}; {0, ''} when empty), each
-- counter as GET (nil when missing; the caller checks the stored number).
local nv, nl = tonumber(ARGV[1]), tonumber(ARGV[2])
local values, logs, counters = {}, {}, {}
for i = 1, nv do
  values[i] = redis.call('GET', KEYS[i])
end
for i = 1, nl do
  local k = KEYS[nv + i]
  local n = redis.call('LLEN', k)
  if n > 0 then logs[i] = {n, redis.call('LINDEX', k, -1)} else logs[i] = {0, ''} end
end
for i = nv + nl + 1, #KEYS do
  counters[i - nv - nl] = redis.call('GET', KEYS[i])
end
return {values, logs, counters}
