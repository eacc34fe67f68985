-- commit: every write of one decision, all or nothing (see CommitPlan).
-- KEYS: the guard value keys, the reserved counter key (when there is a
-- reservation), the put value keys, then one hash key per count entry.
-- ARGV: ng, nr (0/1), np, nc (how many of each), put_ttl_ms, count_ttl_ms
-- ('' for none), the reservation's amount, limit, ttl_ms ('' when none),
-- then has_expected ('0'/'1'), expected per guard; value, rank per put;
-- field, fixed, per_granted per count entry (decimal 64-bit integers).
-- Returns {applied, granted, used, {HGETALL per count entry}, {guard values}}.
-- Errors: 'A2P_MALFORMED counter' (the reserved counter), 'A2P_MALFORMED
-- count <i>' and 'A2P_RANGE count <i> ...' (the i-th count entry).
--
-- A script is not rolled back, so everything that can fail (a malformed
-- stored counter or count, a hash field leaving the signed 64-bit range) is
-- checked before the first write. Lua numbers are doubles, so the counts are
-- computed exactly on decimal limbs (base 10^7, least significant first; every
-- limb in [0, 10^7) but the last, which carries the sign) and written back
-- with HSET.
local B, N = 10000000, 7

local function norm(t)
  local carry = 0
  for i = 1, N - 1 do
    local x = t[i] + carry
    carry = math.floor(x / B)
    x = x - carry * B
    if x < 0 then x = x + B; carry = carry - 1 elseif x >= B then x = x - B; carry = carry + 1 end
    t[i] = x
  end
  t[N] = t[N] + carry
  return t
end

-- s matches '^-?%d+$' with at most 19 digits
local function big(s)
  local neg = string.sub(s, 1, 1) == '-'
  if neg then s = string.sub(s, 2) end
  local t = {}
  for i = 1, N do t[i] = 0 end
  local i, j = #s, 1
  while i >= 1 do
    local a = i - 6
    if a < 1 then a = 1 end
    t[j] = tonumber(string.sub(s, a, i))
    if neg then t[j] = -t[j] end
    i, j = a - 1, j + 1
  end
  return norm(t)
end

local function add(a, b)
  local t = {}
  for i = 1, N do t[i] = a[i] + b[i] end
  return norm(t)
end

local function negate(a)
  local t = {}
  for i = 1, N do t[i] = -a[i] end
  return norm(t)
end

-- a * g, g >= 0
local function mul(a, g)
  local neg = a[N] < 0
  local m = a
  if neg then m = negate(a) end
  local t = {}
  for i = 1, N do t[i] = 0 end
  for i = 1, N do
    if m[i] ~= 0 then
      for j = 1, N + 1 - i do t[i + j - 1] = t[i + j - 1] + m[i] * g[j] end
    end
  end
  t = norm(t)
  if neg then t = negate(t) end
  return t
end

local function cmp(a, b)
  for i = N, 1, -1 do
    if a[i] ~= b[i] then
      if a[i] < b[i] then return -1 end
      return 1
    end
  end
  return 0
end

local function text(a)
  if a[N] < 0 then return '-' .. text(negate(a)) end
  local k = N
  while k > 1 and a[k] == 0 do k = k - 1 end
  local out = {string.format('%d', a[k])}
  for i = k - 1, 1, -1 do out[#out + 1] = string.format('%07d', a[i]) end
  return table.concat(out)
end

local MAX, MIN, ZERO = big('9223372036854775807'), big('-9223372036854775808'), big('0')

-- a stored hash field: a signed 64-bit integer, or nil
local function stored(raw)
  if not string.match(raw, '^%-?%d+$') or string.len(raw) > 20 then return nil end
  if string.sub(raw, 1, 1) ~= '-' and string.len(raw) > 19 then return nil end
  local v = big(raw)
  if cmp(v, MAX) > 0 or cmp(v, MIN) < 0 then return nil end
  return v
end

local ng, nr, np, nc = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local put_ttl, count_ttl = ARGV[5], ARGV[6]
local gargs, pargs = 9, 9 + 2 * ng
local cargs = pargs + 2 * np
local pkeys, ckeys = ng + nr, ng + nr + np

-- 1. guards
local current, stale = {}, false
for i = 1, ng do
  local cur = redis.call('GET', KEYS[i])
  current[i] = cur
  if ARGV[gargs + 2 * i - 1] == '1' then
    if cur ~= ARGV[gargs + 2 * i] then stale = true end
  elseif cur then
    stale = true
  end
end
if stale then return {0, 0, 0, {}, current} end

-- 2. the reservation (as reserve.lua)
local granted, used = 0, 0
if nr == 1 then
  local raw = redis.call('GET', KEYS[ng + 1])
  if raw then
    if string.len(raw) > 19 or not string.match(raw, '^%d+$') then
      return redis.error_reply('A2P_MALFORMED counter')
    end
    used = raw
  end
  local room = tonumber(ARGV[8]) - tonumber(used)
  if room < 0 then room = 0 end
  granted = tonumber(ARGV[7])
  if room < granted then granted = room end
end

-- 3. every new hash field, checked before any write
local g = big(string.format('%d', granted))
local totals, order = {}, {}
for i = 1, nc do
  local key, a = KEYS[ckeys + i], cargs + 3 * i - 3
  local field = ARGV[a + 1]
  local delta = add(big(ARGV[a + 2]), mul(big(ARGV[a + 3]), g))
  if cmp(delta, ZERO) ~= 0 then
    local fields = totals[key]
    if not fields then
      fields = {}
      totals[key] = fields
      order[#order + 1] = key
    end
    local cur = fields[field]
    if not cur then
      local raw = redis.call('HGET', key, field)
      cur = ZERO
      if raw then
        cur = stored(raw)
        if not cur then return redis.error_reply('A2P_MALFORMED count ' .. i) end
      end
    end
    local total = add(cur, delta)
    if cmp(total, MAX) > 0 or cmp(total, MIN) < 0 then
      return redis.error_reply('A2P_RANGE count ' .. i .. ' leaves the 64-bit range (overflow)')
    end
    fields[field] = total
  end
end

-- 4. the writes
if granted > 0 then
  used = redis.call('INCRBY', KEYS[ng + 1], string.format('%d', granted))
  if ARGV[9] ~= '' then redis.call('PEXPIRE', KEYS[ng + 1], ARGV[9]) end
end
for i = 1, np do
  local rank = tonumber(ARGV[pargs + 2 * i])
  if rank < 0 or rank < granted then
    if put_ttl ~= '' then
      redis.call('SET', KEYS[pkeys + i], ARGV[pargs + 2 * i - 1], 'PX', put_ttl)
    else
      redis.call('SET', KEYS[pkeys + i], ARGV[pargs + 2 * i - 1])
    end
  end
end
for _, key in ipairs(order) do
  redis.call('HSETNX', key, '', '0')
  for field, total in pairs(totals[key]) do redis.call('HSET', key, field, text(total)) end
  if count_ttl ~= '' then redis.call('PEXPIRE', key, count_ttl) end
end
local counts = {}
for i = 1, nc do counts[i] = redis.call('HGETALL', KEYS[ckeys + i]) end
return {1, granted, used, counts, current}
