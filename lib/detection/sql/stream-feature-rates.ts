/**
 * How fast each tenant's feature streams its answers, from closed streams
 * (install_minute: per install, feature and minute the streams that ended,
 * their output tokens and summed duration), per 5-minute step of
 * [from, to): the output rate of each install-minute that held only streams
 * (a minute that also had a plain call mixes that call's tokens in), as a
 * histogram of log-spaced bins (`RATE_BIN_RATIO` wide: `sumMap` of bin →
 * install-minutes), the count of such install-minutes, and up to 11 of its
 * installs (enough to tell "at least 10"). One install-minute is one vote, so
 * an install holding a few slow streams weighs no more than its minutes: a
 * zombie closes once in 5-30 minutes, an ordinary user's answers every minute
 * they chat. Steps are read once (stream-zombie.ts keeps them): reading the
 * hour every 5 minutes cost 2-4 s of CPU at 5,000 events/s.
 */
export const RATE_BIN_RATIO = 1.02
/** Rates under this (a stream that sent nothing) share the lowest bin. */
export const RATE_FLOOR = 0.001

export const streamFeatureRatesSql = (db: string) => `
SELECT toUnixTimestamp(step) * 1000 AS step, tenant_id, feature,
  groupUniqArray(11)(install_id) AS some_installs,
  count() AS install_minutes,
  sumMap([bin], [toUInt64(1)]) AS hist
FROM (
  SELECT toStartOfInterval(minute, INTERVAL 5 MINUTE) AS step, tenant_id, feature, install_id,
    toInt32(floor(log(greatest(sum(completion_tokens) * 1000 / sum(stream_ms), ${RATE_FLOOR})) / log(${RATE_BIN_RATIO}))) AS bin
  FROM ${db}.install_minute
  WHERE minute >= toDateTime({from:UInt32}, 'UTC') AND minute < toDateTime({to:UInt32}, 'UTC')
    AND ({tenant:String} = '' OR tenant_id = {tenant:String})
  GROUP BY tenant_id, feature, install_id, minute
  HAVING sum(streams) > 0 AND sum(streams) = sum(requests) AND sum(stream_ms) > 0
)
GROUP BY step, tenant_id, feature`
