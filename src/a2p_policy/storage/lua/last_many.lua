-- last_many: the last entry of each log list in KEYS.
-- Returns {version, entry} per key ({0, ''} for an empty log).
local out = {}
for i, k in ipairs(KEYS) do
  local n = redis.call('LLEN', k)
  if n > 0 then out[i] = {n, redis.call('LINDEX', k, -1)} else out[i] = {0, ''} end
end
return out
