/**
 * Every install active in [{from}, {to}), with its traits (install_profile)
 * and its request timing in the window (install_minute): over the minutes
 * strictly between its first and its last active minute, the count, sum and
 * sum of squares of requests per minute, from which the pooled dispersion
 * (variance / mean) of a group is computed. The first and last active
 * minutes are left out because they are active by definition: with them an
 * honest install calling on a Poisson clock reads as under-dispersed (0.86 at
 * 0.3 calls a minute over 15 minutes, 0.97 over 60; ~1.00 without them), and
 * a group of 300 such installs as lockstep at z 3-5. Zero minutes add
 * nothing to either sum, so they need no rows.
 *
 * install_profile holds every install ever seen (until its TTL, migration
 * 0008) and is keyed by install, not time: filtering it on last_seen alone
 * aggregates the whole table every tick. So the window's installs come from
 * install_minute (keyed by minute), and the IN on install_profile's key reads
 * only their granules: a tick costs what the window holds, not what the table
 * has accumulated. Both rollups see the same events (policy acks, the one
 * type install_minute skips, carry no install); the minute filter starts at
 * the window's first minute and the HAVING keeps the exact bounds, so a live
 * window gets the same installs as before. (A past window no longer counts an
 * install with no event in it whose lifetime merely spans it.)
 *
 * The per-minute sums group in install_minute's key order (tenant, minute,
 * install) and aggregate in that order: an hour at 5,000 ev/s is ≈ 3 M
 * install-minutes, and a hash table of them was most of the farm
 * detector's CPU (2.3–3.5 s per run; in order 1.7–1.9 s, same rows).
 *
 * minutes_lo / minutes_hi are its active minutes among the window's last 64, as bits counted back from its last
 * minute (minutes_end; farm-co-wake.ts), as farm-timing.ts keeps them.
 *
 * first_active is the first minute of the install's current burst: after the
 * last gap of more than {silence} minutes between two of its active minutes
 * in the window (its first active minute if none), and burst_requests the
 * requests since (farm-wake.ts; farm-timing.ts computes the same).
 *
 * Profile counters are all-time: attestation counts include everything
 * stored, which for a past {to} includes what came after it. Ordered, so sums
 * over a group and ties between groups come out the same on every run.
 */
const activeCte = (db: string) => `WITH active AS (
  SELECT DISTINCT tenant_id, install_id
  FROM ${db}.install_minute
  WHERE minute >= toStartOfMinute(toDateTime({from:UInt32}, 'UTC')) AND minute < toDateTime({to:UInt32}, 'UTC')
    AND ({tenant:String} = '' OR tenant_id = {tenant:String}) AND install_id != ''
)`

const profileColumns = `p.tenant_id AS tenant_id, p.install_id AS install_id,
  toUnixTimestamp64Milli(p.first_seen) AS first_seen, toUnixTimestamp64Milli(p.last_seen) AS last_seen,
  p.app_version AS app_version, p.platform AS platform, p.device_model AS device_model, p.os_version AS os_version,
  p.device_fingerprint AS device_fingerprint, p.ip_prefix AS ip_prefix, p.asn AS asn, p.country AS country,
  p.cost_micros AS cost_micros, p.attest_accepted AS attest_accepted, p.attest_rejected AS attest_rejected,
  p.suspicious_rejections AS suspicious_rejections`

const profiles = (db: string) => `(
  SELECT tenant_id, install_id, min(first_seen) AS first_seen, max(last_seen) AS last_seen,
    anyLast(app_version) AS app_version, anyLast(platform) AS platform, anyLast(device_model) AS device_model,
    anyLast(os_version) AS os_version, anyLast(device_fingerprint) AS device_fingerprint,
    anyLast(ip_prefix) AS ip_prefix, anyLast(asn) AS asn, anyLast(country) AS country, sum(cost_micros) AS cost_micros,
    sum(attest_accepted) AS attest_accepted, sum(attest_rejected) AS attest_rejected,
    sum(emulator_rejections) + sum(hooking_rejections) AS suspicious_rejections
  FROM ${db}.install_profile
  WHERE ({tenant:String} = '' OR tenant_id = {tenant:String})
    AND (tenant_id, install_id) IN (SELECT tenant_id, install_id FROM active)
  GROUP BY tenant_id, install_id
  HAVING last_seen >= fromUnixTimestamp64Milli(toInt64({from:UInt32}) * 1000)
    AND first_seen < fromUnixTimestamp64Milli(toInt64({to:UInt32}) * 1000)
) AS p`

export const farmInstallsSql = (db: string) => `
${activeCte(db)}
SELECT ${profileColumns},
  t.span_minutes AS span_minutes, t.req_sum AS req_sum, t.req_sq AS req_sq,
  t.first_active AS first_active, t.burst_requests AS burst_requests,
  t.minutes_lo AS minutes_lo, t.minutes_hi AS minutes_hi, t.minutes_end AS minutes_end
FROM ${profiles(db)}
LEFT JOIN (
  SELECT tenant_id, install_id,
    greatest(0, dateDiff('minute', min(minute), max(minute)) - 1) AS span_minutes,
    sum(r) - argMin(r, minute) - if(min(minute) = max(minute), 0, argMax(r, minute)) AS req_sum,
    sum(r * r) - pow(argMin(r, minute), 2) - if(min(minute) = max(minute), 0, pow(argMax(r, minute), 2)) AS req_sq,
    arraySort(groupArray((toUInt32(toUnixTimestamp(minute)), toFloat64(r)))) AS mr,
    arrayLastIndex((x, j) -> j = 1 OR x.1 - mr[j - 1].1 > {silence:UInt32} * 60, mr, arrayEnumerate(mr)) AS burst_at,
    toInt64(mr[burst_at].1) * 1000 AS first_active,
    arraySum(x -> x.2, arraySlice(mr, burst_at)) AS burst_requests,
    toStartOfMinute(toDateTime({to:UInt32} - 1, 'UTC')) AS last_minute,
    groupBitOr(if(dateDiff('minute', minute, last_minute) < 32, bitShiftLeft(toUInt64(1), greatest(0, least(31, dateDiff('minute', minute, last_minute)))), 0)) AS minutes_lo,
    groupBitOr(if(dateDiff('minute', minute, last_minute) BETWEEN 32 AND 63, bitShiftLeft(toUInt64(1), greatest(0, least(31, dateDiff('minute', minute, last_minute) - 32))), 0)) AS minutes_hi,
    toInt64(toUnixTimestamp(last_minute)) * 1000 AS minutes_end
  FROM (
    SELECT tenant_id, minute, install_id, sum(requests) AS r
    FROM ${db}.install_minute
    WHERE minute >= toDateTime({from:UInt32}, 'UTC') AND minute < toDateTime({to:UInt32}, 'UTC')
      AND ({tenant:String} = '' OR tenant_id = {tenant:String})
    GROUP BY tenant_id, minute, install_id
  )
  GROUP BY tenant_id, install_id
) AS t ON t.tenant_id = p.tenant_id AND t.install_id = p.install_id
ORDER BY tenant_id, install_id
SETTINGS optimize_aggregation_in_order = 1`

/**
 * farmInstallsSql without the timing part: the detector's tick adds each
 * install's timing from lib/detection/farm-timing.ts, which aggregates a
 * closed minute once instead of the whole window every run.
 */
export const farmProfilesSql = (db: string) => `
${activeCte(db)}
SELECT ${profileColumns}
FROM ${profiles(db)}
ORDER BY tenant_id, install_id`
