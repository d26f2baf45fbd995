/**
 * The incremental reading of install_minute for the sequential test of
 * prompt bombing (bombing-minutes.ts). First the totals of every minute in
 * [from, to) (one row per minute: requests and prompt tokens), which tell
 * which minutes changed since the last run; then the install rows of just
 * those minutes ({ms}: minute numbers, epoch seconds / 60), with the same
 * per-minute sums and filter as install-minutes.ts.
 */
export const installMinuteSumsSql = (db: string) => `
SELECT toUInt32(toUnixTimestamp(minute) / 60) AS m, sum(requests) AS m_requests, sum(prompt_tokens) AS m_prompt
FROM ${db}.install_minute
WHERE minute >= toDateTime({from:UInt32}, 'UTC') AND minute < toDateTime({to:UInt32}, 'UTC')
  AND ({tenant:String} = '' OR tenant_id = {tenant:String})
GROUP BY m`

export const installMinuteRowsSql = (db: string) => `
SELECT toUInt32(toUnixTimestamp(minute) / 60) AS m, tenant_id, feature, install_id,
  sum(requests) AS m_requests, sum(prompt_tokens) AS m_prompt
FROM ${db}.install_minute
WHERE minute >= toDateTime({from:UInt32}, 'UTC') AND minute < toDateTime({to:UInt32}, 'UTC')
  AND ({tenant:String} = '' OR tenant_id = {tenant:String})
  AND has({ms:Array(UInt32)}, toUInt32(toUnixTimestamp(minute) / 60))
GROUP BY m, tenant_id, install_id, feature
HAVING m_requests > 0 AND m_prompt > 0`
