/**
 * The quotas of quota.ts in Redis, so that every enforcer replica draws on one
 * budget per install. Each operation is one Lua script, sent as one EVALSHA (a
 * decision is one round trip): Redis runs it atomically, so two replicas can
 * never both see the same remaining budget. The clock is Redis's own (TIME),
 * so replicas with skewed clocks agree. Keys per install share a hash tag
 * ({install}) and expire two days after their last use.
 *
 * The scripts keep the calls inside Redis few (a reservation is TIME, HMGET,
 * HSET, ZADD, HSET in the common case; it was 11 calls, 4 of them PEXPIRE):
 *  - `nx` in the counters hash is a lower bound on the earliest lease expiry
 *    (-1: no live lease, absent: unknown, e.g. keys written before it existed),
 *    so the expired-lease scan runs only when a lease may have run out;
 *  - `xp` is when the TTLs were last renewed: every key of the install gets
 *    PEXPIRE at most once an hour (TTL 2 days, so ≥ 47 h after last use), and
 *    at once when a key may have just been created (no live lease before a
 *    reservation, every settled-id write, every stream admission). The leases
 *    hash and the expiry zset always hold the same ids, so they are empty, and
 *    deleted by Redis, together.
 */
/** Redis's own clock (replicas with skewed clocks agree), the day, and how long keys outlive their last use. */
export const CLOCK = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local DAY = 86400000
local TTL = 2 * DAY
local day = math.floor(now / DAY)
`
export const COMMON = `${CLOCK}
local s = redis.call('HMGET', KEYS[1], 'bucket', 'at', 'cap', 'day', 'dt', 'ds', 'nx', 'xp')
local bucket = tonumber(s[1])
local at = tonumber(s[2]) or now
local cap = tonumber(s[3]) or 0
local dt = tonumber(s[5]) or 0
local ds = tonumber(s[6]) or 0
local nx = tonumber(s[7])
local xp = tonumber(s[8])
if (tonumber(s[4]) or day) ~= day then dt = 0; ds = 0 end
local function parse(v)
  local lt, lm, ld = string.match(v, '^([^|]+)|([^|]+)|([^|]+)')
  return tonumber(lt), tonumber(lm), tonumber(ld)
end
local function save()
  local f = {'at', at, 'cap', cap, 'day', day, 'dt', dt, 'ds', tostring(ds), 'nx', nx or -1}
  if bucket then f[#f + 1] = 'bucket'; f[#f + 1] = tostring(bucket) end
  local renew = not xp or now - xp > 3600000
  if renew then f[#f + 1] = 'xp'; f[#f + 1] = now end
  redis.call('HSET', KEYS[1], unpack(f))
  if renew then for i = 1, #KEYS do redis.call('PEXPIRE', KEYS[i], TTL) end end
end
-- The tokens/min bucket refills continuously up to the limit in force.
local function refill(tpm)
  if tpm < 0 then return end
  if bucket == nil then bucket = tpm else bucket = math.min(tpm, bucket + math.max(0, now - at) * (tpm / 60000)) end
  cap = tpm
  at = math.max(at, now)
end
-- Leases that ran out without an event are released: their reservation is given back (at most 64 per call).
if nx == nil or (nx >= 0 and nx <= now) then
  local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now, 'LIMIT', 0, 64)
  if #expired > 0 then
    local leases = redis.call('HMGET', KEYS[2], unpack(expired))
    for i = 1, #expired do
      local v = leases[i]
      if v then
        local lt, lm, ld = parse(v)
        if ld == day then
          dt = dt - lt
          ds = ds - lm
          if bucket then bucket = math.min(cap, bucket + lt) end
        end
      end
    end
    redis.call('HDEL', KEYS[2], unpack(expired))
    redis.call('ZREM', KEYS[3], unpack(expired))
    redis.call('ZREM', KEYS[4], unpack(expired))
  end
  local first = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
  nx = tonumber(first[2]) or -1
end
-- A lease: its reservation (tokens|micros|day|stream) and when it runs out.
local function hold(id, value, leaseMs)
  redis.call('HSET', KEYS[2], id, value)
  redis.call('ZADD', KEYS[3], now + leaseMs, id)
  if nx < 0 then
    -- No live lease before this one: the leases hash and the expiry zset were just created, without a TTL.
    redis.call('PEXPIRE', KEYS[2], TTL)
    redis.call('PEXPIRE', KEYS[3], TTL)
    nx = now + leaseMs
  else
    nx = math.min(nx, now + leaseMs)
  end
end
`

/** Where a refusal asks the replicas holding allowances of an install to give them back: the message is its counters key. */
export const RECLAIM_CHANNEL = 'br:reclaim'

// ARGV: leaseId, ctx, wantOut, stream, tpm, tpd, spd, maxStreams, priceIn, priceOut, leaseMs (-1 = none)
export const RESERVE = `${COMMON}
local id = ARGV[1]
local ctx = tonumber(ARGV[2])
local out = tonumber(ARGV[3])
local stream = ARGV[4] == '1'
local tpm, tpd, spd, maxStreams = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local pin, pout = tonumber(ARGV[9]), tonumber(ARGV[10])
local leaseMs = tonumber(ARGV[11])
local untilMidnight = DAY - (now % DAY)
refill(tpm)
-- A quota refusal while another replica may hold an allowance of this install (ah: until when one may be live)
-- asks the holders to give theirs back, at once on RECLAIM_CHANNEL and with their next flush (rc, read by
-- CONVERT), and says so, so the caller can retry once.
local function refuse(kind, retry)
  save()
  local ah = tonumber(redis.call('HGET', KEYS[1], 'ah'))
  if ah and ah > now then
    redis.call('HSET', KEYS[1], 'rc', now)
    redis.call('PUBLISH', '${RECLAIM_CHANNEL}', KEYS[1])
    return {0, kind, retry, 1}
  end
  return {0, kind, retry, 0}
end
if stream and maxStreams >= 0 then
  local open = redis.call('ZCARD', KEYS[4])
  if open >= maxStreams then
    save()
    local first = redis.call('ZRANGE', KEYS[4], 0, 0, 'WITHSCORES')
    local retry = 60000
    if first[2] then retry = math.max(1000, tonumber(first[2]) - now) end
    return {0, 'maxConcurrentStreams', retry}
  end
end
local minOut = math.min(1, out)
if tpd >= 0 then
  local left = tpd - dt
  if left < ctx + minOut then return refuse('tokensPerDay', untilMidnight) end
  out = math.min(out, left - ctx)
end
if tpm >= 0 then
  if bucket < ctx + minOut then
    if ctx + minOut > tpm then return refuse('tokensPerMinute', 60000) end
    return refuse('tokensPerMinute', math.ceil((ctx + minOut - bucket) / (tpm / 60000)))
  end
  out = math.min(out, math.floor(bucket - ctx))
end
if spd >= 0 and pin >= 0 then
  local left = spd - ds
  local ctxCost = ctx * pin / 1e6
  if left < ctxCost + minOut * pout / 1e6 then return refuse('spendPerDayMicros', untilMidnight) end
  if pout > 0 then out = math.min(out, math.floor((left - ctxCost) * 1e6 / pout)) end
end
out = math.max(0, out)
local tokens = ctx + out
local micros = 0
if pin >= 0 then micros = (ctx * pin + out * pout) / 1e6 end
if tpm >= 0 then bucket = bucket - tokens end
dt = dt + tokens
ds = ds + micros
hold(id, tokens .. '|' .. tostring(micros) .. '|' .. day .. '|' .. (stream and 1 or 0), leaseMs)
if stream then
  redis.call('ZADD', KEYS[4], now + leaseMs, id)
  redis.call('PEXPIRE', KEYS[4], TTL)
end
save()
return {1, out, tokens, tostring(micros)}
`

// ARGV: leaseId, usedTokens, usedMicros. KEYS[5]: lease ids already settled (a re-sent event is not charged twice).
export const SETTLE = `${COMMON}
local id = ARGV[1]
redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now - DAY)
local v = redis.call('HGET', KEYS[2], id)
if not v and redis.call('ZSCORE', KEYS[5], id) then return 'duplicate' end
local lt, lm = 0, 0
if v then
  local a, b, ld = parse(v)
  if ld == day then lt = a; lm = b end
end
local dTok = tonumber(ARGV[2]) - lt
dt = dt + dTok
ds = ds + tonumber(ARGV[3]) - lm
if bucket then bucket = math.min(cap, bucket - dTok) end
if v then
  redis.call('HDEL', KEYS[2], id)
  redis.call('ZREM', KEYS[3], id)
  redis.call('ZREM', KEYS[4], id)
  if redis.call('ZCARD', KEYS[3]) == 0 then nx = -1 end
end
redis.call('ZADD', KEYS[5], now, id)
redis.call('PEXPIRE', KEYS[5], TTL)
save()
if v then return 'settled' end
return 'late'
`

// ARGV: leaseId, leaseMs
export const RENEW = `
local t = redis.call('TIME')
local exp = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[2])
if not redis.call('ZSCORE', KEYS[3], ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[3], 'XX', exp, ARGV[1])
if redis.call('ZSCORE', KEYS[4], ARGV[1]) then redis.call('ZADD', KEYS[4], 'XX', exp, ARGV[1]) end
return 1
`

export const OPEN_STREAMS = `${COMMON}
save()
return redis.call('ZCARD', KEYS[4])
`
