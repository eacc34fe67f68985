-- append with expect_version: push ARGV[1] onto the log list KEYS[1] only if
-- its length is ARGV[2]. Returns the new version, or 0 when it was not.
if redis.call('LLEN', KEYS[1]) ~= tonumber(ARGV[2]) then return 0 end
return redis.call('RPUSH', KEYS[1], ARGV[1])
