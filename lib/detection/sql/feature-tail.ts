/**
 * The upper tail of a feature's request sizes over a baseline span [from, to), from the install_minute rollup: per
 * tenant and feature, its requests and the install-minutes whose largest context reached the feature's line
 * ({keys} 'tenant|feature' with {lines}, the same order). An install-minute holding one or more requests over the
 * line counts once, so `over` is at most the number of such requests (bombing-common-tail.ts).
 */
export const featureTailSql = (db: string) => `
SELECT tenant_id, feature, sum(m_requests) AS requests, countIf(m_max >= {lines:Array(Float64)}[k]) AS over
FROM (
  SELECT tenant_id, feature, sum(requests) AS m_requests, max(max_context_tokens) AS m_max,
    indexOf({keys:Array(String)}, concat(tenant_id, '|', feature)) AS k
  FROM ${db}.install_minute
  WHERE minute >= toDateTime({from:UInt32}, 'UTC') AND minute < toDateTime({to:UInt32}, 'UTC')
    AND ({tenant:String} = '' OR tenant_id = {tenant:String}) AND has({keys:Array(String)}, concat(tenant_id, '|', feature))
  GROUP BY minute, tenant_id, install_id, feature
  HAVING m_requests > 0
)
GROUP BY tenant_id, feature`

/** The window's minutes of a few installs ({only}): requests, prompt tokens and the largest context of each minute. */
export const installMinuteMaxSql = (db: string) => `
SELECT tenant_id, feature, install_id, sum(requests) AS requests, sum(prompt_tokens) AS prompt, max(max_context_tokens) AS max_context
FROM ${db}.install_minute
WHERE minute >= toDateTime({from:UInt32}, 'UTC') AND minute < toDateTime({to:UInt32}, 'UTC')
  AND ({tenant:String} = '' OR tenant_id = {tenant:String}) AND has({only:Array(String)}, install_id)
GROUP BY minute, tenant_id, install_id, feature
HAVING requests > 0`
