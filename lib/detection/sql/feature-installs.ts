/** Active installs per tenant/feature over [from, to): the population the group test of prompt bombing counts against. */
export const featureInstallsSql = (db: string) => `
SELECT tenant_id, feature, uniqExact(install_id) AS installs
FROM ${db}.install_minute
WHERE minute >= toDateTime({from:UInt32}, 'UTC') AND minute < toDateTime({to:UInt32}, 'UTC')
  AND ({tenant:String} = '' OR tenant_id = {tenant:String}) AND requests > 0
GROUP BY tenant_id, feature`

/**
 * Requests, installs and median context per tenant/feature/app version over [from, to) (usage_minute): what share of
 * a version the elevated installs make up, whether the version itself moved, and whether it is a release at all.
 */
export const versionRequestsSql = (db: string) => `
SELECT tenant_id, feature, app_version, sum(requests) AS requests, uniqMerge(installs) AS installs,
  quantilesTDigestMerge(0.5, 0.9, 0.99)(context_tokens_q)[1] AS median_context
FROM ${db}.usage_minute
WHERE minute >= toDateTime({from:UInt32}, 'UTC') AND minute < toDateTime({to:UInt32}, 'UTC')
  AND ({tenant:String} = '' OR tenant_id = {tenant:String}) AND feature != ''
GROUP BY tenant_id, feature, app_version`
