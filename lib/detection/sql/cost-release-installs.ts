/**
 * Installs that moved to a young app version (the release volume lens,
 * cost-release-volume.ts): each install's first request on the version since
 * {from}. Up to {cap} installs per version, picked by a hash of the id (a
 * fixed sample, not the first or the busiest). The events table is ordered by
 * tenant and install, so this reads the tenants' ts and version columns since
 * {from}; it runs only when a young version carries traffic.
 */
export const releaseSwitchersSql = (db: string) => `
SELECT tenant_id, app_version, install_id, toUnixTimestamp64Milli(min(ts)) AS switched_at
FROM ${db}.events
WHERE tenant_id IN {tenants:Array(String)} AND app_version IN {versions:Array(String)}
  AND ts >= toDateTime64({from:UInt32}, 3, 'UTC') AND ts < toDateTime64({to:UInt32}, 3, 'UTC')
  AND type IN ('llm_request', 'stream') AND install_id != ''
GROUP BY tenant_id, app_version, install_id
ORDER BY cityHash64(install_id)
LIMIT {cap:UInt32} BY tenant_id, app_version`

/** Requests per minute and feature of a list of installs of one tenant over [from, to), from the per-install rollup. */
export const releaseInstallMinutesSql = (db: string) => `
SELECT install_id, feature, toUnixTimestamp(minute) * 1000 AS t, sum(requests) AS requests
FROM ${db}.install_minute
WHERE tenant_id = {tenant:String} AND install_id IN {installs:Array(String)}
  AND minute >= toDateTime({from:UInt32}, 'UTC') AND minute < toDateTime({to:UInt32}, 'UTC') AND feature != ''
GROUP BY install_id, feature, minute
HAVING requests > 0`
