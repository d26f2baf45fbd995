/**
 * Requests, spend, tokens (for the price lens) and the median context size per minute of every
 * tenant/feature/model/app_version series in [from, to). The median request
 * is what a release changes; the mean cost also moves with a few abusive installs.
 */
export const costMinutesSql = (db: string) => `
SELECT tenant_id, feature, model, app_version, toUnixTimestamp(minute) * 1000 AS t,
  sum(requests) AS requests, sum(cost_micros) AS cost_micros,
  sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens,
  quantilesTDigestMerge(0.5, 0.9, 0.99)(context_tokens_q)[1] AS median_context
FROM ${db}.usage_minute
WHERE minute >= toDateTime({from:UInt32}, 'UTC') AND minute < toDateTime({to:UInt32}, 'UTC')
  AND ({tenant:String} = '' OR tenant_id = {tenant:String}) AND feature != ''
GROUP BY tenant_id, feature, model, app_version, minute
HAVING requests > 0`

/**
 * Active installs per minute of listed tenant/feature pairs over [from, to) (the rollup's uniq state, merged over
 * models and versions): the volume share lens's calls per active install-minute. Read only for features the lens
 * would raise, so a quiet run reads nothing.
 */
export const featureActiveInstallsSql = (db: string) => `
SELECT tenant_id, feature, toUnixTimestamp(minute) * 1000 AS t, uniqMerge(installs) AS installs
FROM ${db}.usage_minute
WHERE minute >= toDateTime({from:UInt32}, 'UTC') AND minute < toDateTime({to:UInt32}, 'UTC')
  AND tenant_id IN {tenants:Array(String)} AND feature IN {features:Array(String)}
GROUP BY tenant_id, feature, minute
HAVING installs > 0`
