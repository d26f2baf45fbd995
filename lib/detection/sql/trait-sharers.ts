/**
 * Installs of one tenant seen since {from} whose device fingerprint is in
 * {fingerprints} or whose /24 is in {prefixes} (install_profile): the other
 * ids of a device or network whose rotating ids stand as a bombing group.
 */
export const traitSharersSql = (db: string) => `
SELECT install_id
FROM (
  SELECT install_id, anyLast(device_fingerprint) AS fingerprint, anyLast(ip_prefix) AS prefix, max(last_seen) AS seen
  FROM ${db}.install_profile
  WHERE tenant_id = {tenant:String}
  GROUP BY install_id
)
WHERE seen >= toDateTime64({from:UInt32}, 3, 'UTC') AND (has({fingerprints:Array(String)}, fingerprint) OR has({prefixes:Array(String)}, prefix))
LIMIT 500`
