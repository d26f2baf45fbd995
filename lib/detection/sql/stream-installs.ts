/**
 * Per install over stream events that ended in [from, to): counts, longest
 * stream, zombies (long and nearly silent), client disconnects and what they
 * cost, and the exact peak of concurrently open streams. A stream event is
 * written when the stream closes, with its duration, so each one is the
 * interval [ts - duration, ts]; the peak is the running sum of +1 at each
 * start and -1 at each end (ends sort first at a tie: back-to-back is not overlap).
 * Raw events rather than a rollup: durations per stream are needed, and a
 * stream-only scan of one window is small.
 */
export const streamInstallsSql = (db: string) => `
WITH streams AS (
  SELECT tenant_id, install_id, feature, ts, duration_ms, completion_tokens, cost_micros, end_reason
  FROM ${db}.events
  WHERE type = 'stream'
    AND ts >= fromUnixTimestamp64Milli(toInt64({from:UInt32}) * 1000) AND ts < fromUnixTimestamp64Milli(toInt64({to:UInt32}) * 1000)
    AND ({tenant:String} = '' OR tenant_id = {tenant:String})
),
peaks AS (
  SELECT tenant_id, install_id, max(open_streams) AS max_concurrent
  FROM (
    SELECT tenant_id, install_id,
      sum(delta) OVER (PARTITION BY tenant_id, install_id ORDER BY at, delta ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS open_streams
    FROM (
      SELECT tenant_id, install_id, arrayJoin([
        (toUnixTimestamp64Milli(ts) - toInt64(duration_ms), toInt8(1)),
        (toUnixTimestamp64Milli(ts), toInt8(-1))]) AS point,
        point.1 AS at, point.2 AS delta
      FROM streams
    )
  )
  GROUP BY tenant_id, install_id
)
SELECT s.tenant_id AS tenant_id, s.install_id AS install_id,
  count() AS streams,
  max(s.duration_ms) AS max_duration_ms,
  quantileExact(0.5)(s.duration_ms) AS median_duration_ms,
  sum(s.duration_ms) AS total_duration_ms,
  countIf(s.duration_ms >= {zombie_ms:UInt32} AND s.completion_tokens * 1000 < {zombie_tps:Float64} * s.duration_ms) AS zombie_streams,
  countIf(s.end_reason = 'client_disconnect') AS client_disconnects,
  sumIf(s.cost_micros, s.end_reason = 'client_disconnect') AS disconnect_cost_micros,
  sum(s.cost_micros) AS cost_micros,
  any(p.max_concurrent) AS max_concurrent
FROM streams AS s
LEFT JOIN peaks AS p ON p.tenant_id = s.tenant_id AND p.install_id = s.install_id
GROUP BY s.tenant_id, s.install_id`
