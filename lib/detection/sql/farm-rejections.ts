/** Attestation rejections by install and reason, for the rejection mix of every cluster of one tenant in one query. */
export const farmRejectionsSql = (db: string) => `
SELECT install_id, reason, count() AS rejections
FROM ${db}.events
ARRAY JOIN if(empty(reasons), ['other'], reasons) AS reason
WHERE tenant_id = {tenant:String} AND install_id IN {installs:Array(String)}
  AND type = 'attestation' AND verdict = 'rejected'
  AND ts >= fromUnixTimestamp64Milli(toInt64({from:UInt32}) * 1000)
GROUP BY install_id, reason`
