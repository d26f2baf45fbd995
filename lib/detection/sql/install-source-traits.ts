/** What declared test sources are matched on (lib/test-sources/match.ts), for the listed installs of one tenant. */
export const installSourceTraitsSql = (db: string) => `
SELECT install_id, anyLast(app_id) AS app_id, anyLast(app_version) AS app_version,
  anyLast(device_fingerprint) AS device_fingerprint, anyLast(ip_prefix) AS ip_prefix
FROM ${db}.install_profile
WHERE tenant_id = {tenant:String} AND install_id IN {installs:Array(String)}
GROUP BY install_id`
