/**
 * Requests per install and minute over the minutes starting in [{from}, {to})
 * (of those in {only} when {some}; summed over features; rows with no request
 * count too, for the install's span): the timing part of farmInstallsSql, a
 * minute at a time, for lib/detection/farm-timing.ts to aggregate each closed
 * minute once.
 */
export const farmMinuteRequestsSql = (db: string) => `
SELECT toUInt32(toUnixTimestamp(minute)) AS m, tenant_id, install_id, sum(requests) AS r
FROM ${db}.install_minute
WHERE minute >= toDateTime({from:UInt32}, 'UTC') AND minute < toDateTime({to:UInt32}, 'UTC')
  AND ({tenant:String} = '' OR tenant_id = {tenant:String})
  AND (NOT {some:Bool} OR has({only:Array(UInt32)}, toUInt32(toUnixTimestamp(minute))))
GROUP BY tenant_id, minute, install_id
SETTINGS optimize_aggregation_in_order = 1`

/**
 * Per minute starting in [{from}, {to}): how many installs have a row and how
 * many requests they sent, all that farmMinuteRequestsSql's rows of the minute
 * say about timing. Rows are only ever added (merges fold rows but keep both
 * figures), so a minute whose two figures did not move gives the same
 * per-install requests as when it was read. The installs are counted per
 * tenant and summed (the same number as uniqExact(tenant_id, install_id)):
 * distinct strings of one column cost less than the 128-bit hashes of the
 * pairs (the 7 minutes checked each run at 5,000 ev/s, ≈ 50,000 rows each:
 * 139 ms of CPU against 186, medians of 12 alternations).
 */
export const farmMinuteTotalsSql = (db: string) => `
SELECT m, concat(toString(sum(installs)), '/', toString(sum(r))) AS totals
FROM (
  SELECT toUInt32(toUnixTimestamp(minute)) AS m, tenant_id, uniqExact(install_id) AS installs, sum(requests) AS r
  FROM ${db}.install_minute
  WHERE minute >= toDateTime({from:UInt32}, 'UTC') AND minute < toDateTime({to:UInt32}, 'UTC')
    AND ({tenant:String} = '' OR tenant_id = {tenant:String})
  GROUP BY m, tenant_id
)
GROUP BY m`
