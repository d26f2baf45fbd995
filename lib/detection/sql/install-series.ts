/** Tokens per minute of a few installs, for the evidence chart. */
export const installSeriesSql = (db: string) => `
SELECT install_id, feature, toUnixTimestamp(minute) * 1000 AS t,
  sum(prompt_tokens) + sum(completion_tokens) AS tokens
FROM ${db}.install_minute
WHERE minute >= toDateTime({from:UInt32}, 'UTC') AND minute < toDateTime({to:UInt32}, 'UTC')
  AND tenant_id IN {tenants:Array(String)} AND install_id IN {installs:Array(String)}
GROUP BY install_id, feature, minute
ORDER BY install_id, feature, minute`
