/**
 * The release volume lens's reads (cost-release-volume.ts).
 *
 * Installs seen on a young app version since {from}: install_profile rows
 * (one per install and insert block, its last version then) name them, so the
 * events are read by install id, their sort key, never scanned by version.
 * Up to {cap} installs per version, picked by a hash of the id (a fixed
 * sample, not the first or the busiest).
 */
export const releaseCandidatesSql = (db: string) => `
SELECT tenant_id, app_version, install_id
FROM ${db}.install_profile
WHERE tenant_id IN {tenants:Array(String)} AND app_version IN {versions:Array(String)}
  AND last_seen >= toDateTime64({from:UInt32}, 3, 'UTC')
GROUP BY tenant_id, app_version, install_id
ORDER BY cityHash64(install_id)
LIMIT {cap:UInt32} BY tenant_id, app_version`

/** Each listed install's first request on each of {versions} in [from, to): when it moved. */
export const releaseSwitchesSql = (db: string) => `
SELECT app_version, install_id, toUnixTimestamp64Milli(min(ts)) AS switched_at
FROM ${db}.events
WHERE tenant_id = {tenant:String} AND install_id IN {installs:Array(String)}
  AND ts >= toDateTime64({from:UInt32}, 3, 'UTC') AND ts < toDateTime64({to:UInt32}, 3, 'UTC')
  AND app_version IN {versions:Array(String)} AND type IN ('llm_request', 'stream')
GROUP BY app_version, install_id`

/** Requests per minute and feature of a list of installs of one tenant over [from, to), from the per-install rollup. */
export const releaseInstallMinutesSql = (db: string) => `
SELECT install_id, feature, toUnixTimestamp(minute) * 1000 AS t, sum(requests) AS requests
FROM ${db}.install_minute
WHERE tenant_id = {tenant:String} AND install_id IN {installs:Array(String)}
  AND minute >= toDateTime({from:UInt32}, 'UTC') AND minute < toDateTime({to:UInt32}, 'UTC') AND feature != ''
GROUP BY install_id, feature, minute
HAVING requests > 0`
