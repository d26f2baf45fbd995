/**
 * The median request context of each tenant/feature over [from, to) among
 * installs NOT in {exclude}, from install_minute (each install-minute's mean
 * weighted by its requests): the launch guard of prompt bombing
 * (bombing-launch.ts) asks whether the rest of the feature moved, not only
 * the group it is judging.
 */
export const featureRecentContextSql = (db: string) => `
SELECT tenant_id, feature, sum(m_requests) AS requests,
  quantileExactWeighted(0.5)(toUInt64(m_prompt / m_requests), toUInt64(m_requests)) AS median
FROM (
  SELECT tenant_id, feature, install_id, minute, sum(requests) AS m_requests, sum(prompt_tokens) AS m_prompt
  FROM ${db}.install_minute
  WHERE minute >= toDateTime({from:UInt32}, 'UTC') AND minute < toDateTime({to:UInt32}, 'UTC')
    AND ({tenant:String} = '' OR tenant_id = {tenant:String})
    AND NOT has({exclude:Array(String)}, install_id)
  GROUP BY tenant_id, feature, install_id, minute
  HAVING m_requests > 0 AND m_prompt > 0
)
GROUP BY tenant_id, feature`
