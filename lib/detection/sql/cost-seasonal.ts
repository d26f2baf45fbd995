/**
 * The same clock window on each of the previous {days} days: for a minute m,
 * k = now - m seconds; it falls in day d's window when d·86400 < k ≤ d·86400 + window.
 * One row per tenant/feature/model and day, for a seasonal baseline.
 */
export const costSeasonalSql = (db: string) => `
SELECT tenant_id, feature, model, intDiv(k - 1, 86400) AS day,
  sum(requests) AS requests, sum(cost_micros) AS cost_micros
FROM (
  SELECT tenant_id, feature, model, toInt64({now:UInt32}) - toInt64(toUnixTimestamp(minute)) AS k, requests, cost_micros
  FROM ${db}.usage_minute
  WHERE minute >= toDateTime({now:UInt32} - {days:UInt32} * 86400 - {window:UInt32}, 'UTC')
    AND minute < toDateTime({now:UInt32} - 86400 + 60, 'UTC')
    AND ({tenant:String} = '' OR tenant_id = {tenant:String}) AND feature != ''
)
WHERE k > 86400 AND (k - 1) % 86400 < {window:UInt32}
GROUP BY tenant_id, feature, model, day`
