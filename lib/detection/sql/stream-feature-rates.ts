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
 * they chat. Beside the rates, over every install-minute that answered
 * (streams or plain calls): how many, and the LONGEST_KEPT longest answers
 * (output tokens) of distinct installs, each its longest in the step, for the
 * feature's answer line.
 * Steps are read once (stream-zombie.ts keeps them): reading the
 * hour every 5 minutes cost 2-4 s of CPU at 5,000 events/s.
 */
export const RATE_BIN_RATIO = 1.02
/** The longest answers kept per step and feature (install, output tokens), for the answer line (stream-answer-line.ts). */
export const LONGEST_KEPT = 8
/** Rates under this (a stream that sent nothing) share the lowest bin. */
export const RATE_FLOOR = 0.001

export const streamFeatureRatesSql = (db: string) => `
SELECT toUnixTimestamp(step) * 1000 AS step, tenant_id, feature,
  groupUniqArrayIf(11)(install_id, only_streams) AS some_installs,
  countIf(only_streams) AS install_minutes,
  sumMapIf([bin], [toUInt64(1)], only_streams) AS hist,
  count() AS answer_minutes,
  arraySlice(arrayReverseSort(x -> x.2, arrayZip((maxMap([install_id], [longest]) AS per_install).1, per_install.2)), 1, ${LONGEST_KEPT}) AS longest_answers
FROM (
  SELECT toStartOfInterval(minute, INTERVAL 5 MINUTE) AS step, tenant_id, feature, install_id,
    sum(streams) > 0 AND sum(streams) = sum(requests) AND sum(stream_ms) > 0 AS only_streams,
    toInt32(floor(log(greatest(sum(completion_tokens) * 1000 / greatest(sum(stream_ms), 1), ${RATE_FLOOR})) / log(${RATE_BIN_RATIO}))) AS bin,
    max(max_completion_tokens) AS longest
  FROM ${db}.install_minute
  WHERE minute >= toDateTime({from:UInt32}, 'UTC') AND minute < toDateTime({to:UInt32}, 'UTC')
    AND ({tenant:String} = '' OR tenant_id = {tenant:String})
  GROUP BY tenant_id, feature, install_id, minute
  HAVING sum(requests) > 0
)
GROUP BY step, tenant_id, feature`
