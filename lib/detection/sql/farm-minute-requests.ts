/**
 * Requests per install and minute over the minutes starting in [{from}, {to})
 * (summed over features; rows with no request count too, for the install's
 * span): the timing part of farmInstallsSql, a minute at a time, for
 * lib/detection/farm-timing.ts to aggregate each closed minute once.
 */
export const farmMinuteRequestsSql = (db: string) => `
SELECT toUInt32(toUnixTimestamp(minute)) AS m, tenant_id, install_id, sum(requests) AS r
FROM ${db}.install_minute
WHERE minute >= toDateTime({from:UInt32}, 'UTC') AND minute < toDateTime({to:UInt32}, 'UTC')
  AND ({tenant:String} = '' OR tenant_id = {tenant:String})
GROUP BY tenant_id, minute, install_id
SETTINGS optimize_aggregation_in_order = 1`
