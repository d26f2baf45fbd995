/**
 * Per tenant: spend since the start of the month of {now}, spend over the
 * trailing {trail} seconds (the run rate the forecast extends), and when the
 * tenant's data starts, so a young tenant's run rate uses only the time it has.
 */
export const costMonthSql = (db: string) => `
SELECT tenant_id,
  sumIf(cost_micros, minute >= toStartOfMonth(toDateTime({now:UInt32}, 'UTC'))) AS month_to_date,
  sumIf(cost_micros, minute >= toDateTime({now:UInt32} - {trail:UInt32}, 'UTC')) AS trailing,
  toUnixTimestamp(min(minute)) * 1000 AS first_minute
FROM ${db}.usage_minute
WHERE minute >= least(toDateTime(toStartOfMonth(toDateTime({now:UInt32}, 'UTC')), 'UTC'), toDateTime({now:UInt32} - {trail:UInt32}, 'UTC'))
  AND minute <= toDateTime({now:UInt32}, 'UTC')
  AND ({tenant:String} = '' OR tenant_id = {tenant:String})
GROUP BY tenant_id`
