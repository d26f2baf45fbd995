/**
 * Every install's per-minute requests, prompt and completion tokens per
 * feature over [from, to), ordered by minute: the raw material of the own-
 * history references (install-history.ts), which keeps closed minutes and
 * reads each one once. Every minute row with requests (install-usage.ts's);
 * those with prompt tokens too are install-shift.ts's, before any baseline
 * is applied.
 */
export const installMinuteContextSql = (db: string) => `
SELECT toUInt32(toUnixTimestamp(minute) / 60) AS m, tenant_id, feature, install_id, sum(requests) AS k, sum(prompt_tokens) AS p,
  sum(completion_tokens) AS c
FROM ${db}.install_minute
WHERE minute >= toDateTime({from:UInt32}, 'UTC') AND minute < toDateTime({to:UInt32}, 'UTC')
  AND ({tenant:String} = '' OR tenant_id = {tenant:String})
GROUP BY minute, tenant_id, install_id, feature
HAVING k > 0
ORDER BY m`
