/**
 * One row per install, feature and active minute over [from, to): requests
 * and summed prompt tokens (the mean context of that minute), from the
 * install_minute rollup. The sequential (CUSUM) test of prompt bombing walks
 * these minutes in order. Only installs whose largest context in the window
 * exceeds {min_context} can ever add evidence, so the others are not sent.
 */
export const installMinutesSql = (db: string) => `
SELECT tenant_id, feature, install_id,
  groupArray(toUInt32(toUnixTimestamp(minute) / 60)) AS minutes,
  groupArray(m_requests) AS requests,
  groupArray(m_prompt) AS prompt
FROM (
  SELECT minute, tenant_id, install_id, feature,
    sum(requests) AS m_requests, sum(prompt_tokens) AS m_prompt, max(max_context_tokens) AS m_max
  FROM ${db}.install_minute
  WHERE minute >= toDateTime({from:UInt32}, 'UTC') AND minute < toDateTime({to:UInt32}, 'UTC')
    AND ({tenant:String} = '' OR tenant_id = {tenant:String})
  GROUP BY minute, tenant_id, install_id, feature
  HAVING m_requests > 0
  ORDER BY minute
)
GROUP BY tenant_id, feature, install_id
HAVING max(m_max) >= {min_context:UInt32}`
