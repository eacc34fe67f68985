-- touch: record a member in the sorted set KEYS[1].
-- ARGV member, at, cutoff, ttl_ms. Scores are the caller's times; GT keeps
-- the latest sighting of a member. Returns how many members remain.
redis.call('ZADD', KEYS[1], 'GT', ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return redis.call('ZCARD', KEYS[1])
