import { CLOCK, COMMON } from './redis-scripts'

// The allowance scripts (allowance.ts): GRANT sets budget aside for a replica, CONVERT turns what it admitted from
// it into leases. They share COMMON's counters and leases with the request scripts of redis-scripts.ts.

/**
 * An allowance (allowance.ts): a slice of the install's budget set aside for one replica, which admits requests
 * from it without a round trip. It is a lease like a request's (released if it runs out), so budgets stay
 * exact: what replicas hold is reserved here. At most 1/share of what is left of each quota is granted, so
 * replicas strand little of a budget that runs low, and nothing below one request's worst case (minTokens,
 * minMicros). A grant to an id already held adds to it.
 * ARGV: allowanceId, tokens, micros, tpm, tpd, spd, share, minTokens, minMicros, leaseMs. Returns {tokens, micros}.
 */
export const GRANT = `${COMMON}
local id = ARGV[1]
local t, m = tonumber(ARGV[2]), tonumber(ARGV[3])
local tpm, tpd, spd = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local share, minT, minM, leaseMs = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
refill(tpm)
local g = redis.call('HMGET', KEYS[1], 'rc', 'ah')
local rc, ah = tonumber(g[1]), tonumber(g[2]) or 0
-- A quota was refused lately: what is left is decided here, request by request, not set aside.
if rc and now - rc < leaseMs then save() return {0, '0'} end
if tpd >= 0 then t = math.min(t, math.floor((tpd - dt) / share)) end
if tpm >= 0 then t = math.min(t, math.floor(bucket / share)) end
if spd >= 0 then m = math.min(m, (spd - ds) / share) end
if t < minT or m < minM then save() return {0, '0'} end
if tpm >= 0 then bucket = bucket - t end
dt = dt + t
ds = ds + m
local ht, hm = 0, 0
local v = redis.call('HGET', KEYS[2], id)
if v then
  local a, b, d = parse(v)
  if d == day then ht = a; hm = b end
end
hold(id, (ht + t) .. '|' .. tostring(hm + m) .. '|' .. day .. '|0', leaseMs)
save()
redis.call('HSET', KEYS[1], 'ah', math.max(ah, now + leaseMs))
return {t, tostring(m)}
`

/**
 * The requests a replica admitted from its allowances become leases of their own, so that any replica's
 * event settles them (SETTLE): each moves its worst case from the allowance to its lease, and the allowance's
 * lease is renewed. A request whose event was settled first (charged in full as late) is released instead.
 * If the allowance is gone (it ran out: the replica stalled longer than its lease) or is of another day, the
 * requests are charged directly, the one case where a quota can be overshot. With release, what is left of the
 * allowance is given back. Many installs in one call (one round trip per flush); for each, 4 keys (counters,
 * leases, expiries, settled ids). Returns per install the tokens left in the allowance, -1 if it is gone.
 * ARGV: leaseMs, allowanceLeaseMs, then per install: allowanceId, release (0/1), n, then n × (requestId, tokens, micros).
 */
export const CONVERT = `${CLOCK}
local leaseMs, allowMs = tonumber(ARGV[1]), tonumber(ARGV[2])
local a = 3
local left = {}
for i = 0, #KEYS / 4 - 1 do
  local q, leases, exp, settled = KEYS[4 * i + 1], KEYS[4 * i + 2], KEYS[4 * i + 3], KEYS[4 * i + 4]
  local aid, release, n = ARGV[a], ARGV[a + 1] == '1', tonumber(ARGV[a + 2])
  a = a + 3
  local s = redis.call('HMGET', q, 'bucket', 'cap', 'day', 'dt', 'ds', 'nx', 'rc', 'ah')
  local bucket, cap = tonumber(s[1]), tonumber(s[2]) or 0
  local dt, ds, nx = tonumber(s[4]) or 0, tonumber(s[5]) or 0, tonumber(s[6])
  local ah = tonumber(s[8]) or 0
  -- Another replica was refused a quota lately (RESERVE): the allowance goes back, so it can have the budget.
  if tonumber(s[7]) and now - tonumber(s[7]) < allowMs then release = true end
  if (tonumber(s[3]) or day) ~= day then dt = 0; ds = 0 end
  if not s[3] then redis.call('PEXPIRE', q, TTL) end
  local at, am, live = 0, 0, false
  local v = redis.call('HGET', leases, aid)
  if v then
    local x, y, d = string.match(v, '^([^|]+)|([^|]+)|([^|]+)')
    if tonumber(d) == day then at = tonumber(x); am = tonumber(y); live = true end
  end
  local added = false
  for j = 1, n do
    local id, tok, mic = ARGV[a], tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
    a = a + 3
    if live and at >= tok then
      at = at - tok
      am = math.max(0, am - mic)
    else
      dt = dt + tok
      ds = ds + mic
      if bucket then bucket = bucket - tok end
    end
    if redis.call('ZSCORE', settled, id) then
      dt = dt - tok
      ds = ds - mic
      if bucket then bucket = math.min(cap, bucket + tok) end
    else
      redis.call('HSET', leases, id, tok .. '|' .. tostring(mic) .. '|' .. day .. '|0')
      redis.call('ZADD', exp, now + leaseMs, id)
      if nx and nx >= 0 then nx = math.min(nx, now + leaseMs) elseif nx then nx = now + leaseMs end
      added = true
    end
  end
  if live and not release and at > 0 then
    redis.call('HSET', leases, aid, at .. '|' .. tostring(am) .. '|' .. day .. '|0')
    redis.call('ZADD', exp, now + allowMs, aid)
    if nx and nx >= 0 then nx = math.min(nx, now + allowMs) elseif nx then nx = now + allowMs end
    left[#left + 1] = at
    ah = math.max(ah, now + allowMs)
  else
    if live then
      dt = dt - at
      ds = ds - am
      if bucket then bucket = math.min(cap, bucket + at) end
    end
    if v then
      redis.call('HDEL', leases, aid)
      redis.call('ZREM', exp, aid)
    end
    left[#left + 1] = -1
  end
  if added and not v then
    redis.call('PEXPIRE', leases, TTL)
    redis.call('PEXPIRE', exp, TTL)
  end
  local f = {'day', day, 'dt', dt, 'ds', tostring(ds), 'ah', ah}
  if nx then f[#f + 1] = 'nx'; f[#f + 1] = nx end
  if bucket then f[#f + 1] = 'bucket'; f[#f + 1] = tostring(bucket) end
  redis.call('HSET', q, unpack(f))
end
return left
`
