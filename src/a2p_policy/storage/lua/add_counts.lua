-- add_counts: add each delta to its field of the hash KEYS[1].
-- ARGV ttl_ms ('' for none), then field, delta pairs. The field '' (never a
-- caller's field name) marks the hash as existing even when empty. No deltas
-- only reads: nothing to add creates nothing, as in every backend. Returns
-- HGETALL. A field that is not an integer makes HINCRBY fail ("not an
-- integer"), reported as a malformed stored count.
if #ARGV < 2 then return redis.call('HGETALL', KEYS[1]) end
redis.call('HSETNX', KEYS[1], '', '0')
for i = 2, #ARGV, 2 do
  redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1])
end
if ARGV[1] ~= '' then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return redis.call('HGETALL', KEYS[1])
