/** Attestation rejections of a cluster's members by reason, for the cluster's evidence. */
export const farmRejectionsSql = (db: string) => `
SELECT reason, count() AS rejections
FROM ${db}.events
ARRAY JOIN if(empty(reasons), ['other'], reasons) AS reason
WHERE tenant_id = {tenant:String} AND install_id IN {installs:Array(String)}
  AND type = 'attestation' AND verdict = 'rejected'
  AND ts >= fromUnixTimestamp64Milli(toInt64({from:UInt32}) * 1000)
GROUP BY reason
ORDER BY rejections DESC`
