/** Traits of the listed installs of one tenant (install_profile, by its key). */
export const installTraitsSql = (db: string) => `
SELECT install_id, anyLast(app_version) AS app_version, anyLast(device_model) AS device_model,
  anyLast(os_version) AS os_version, anyLast(device_fingerprint) AS device_fingerprint,
  anyLast(ip_prefix) AS ip_prefix, anyLast(asn) AS asn, toUnixTimestamp64Milli(min(first_seen)) AS first_seen
FROM ${db}.install_profile
WHERE tenant_id = {tenant:String} AND install_id IN {installs:Array(String)}
GROUP BY install_id`
