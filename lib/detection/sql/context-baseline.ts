/**
 * Per-request context size of every tenant/feature over a baseline span
 * [from, to), from the t-digest in usage_minute: its median and p90 give the
 * centre and spread (log scale) of one request's context. Read per feature
 * and per tenant (feature = '') so that a feature with little history can be
 * shrunk towards its tenant's distribution.
 */
export const contextBaselineSql = (db: string) => `
SELECT tenant_id, feature, sum(requests) AS requests,
  quantilesTDigestMerge(0.5, 0.9, 0.99)(context_tokens_q) AS q
FROM ${db}.usage_minute
WHERE minute >= toDateTime({from:UInt32}, 'UTC') AND minute < toDateTime({to:UInt32}, 'UTC')
  AND ({tenant:String} = '' OR tenant_id = {tenant:String}) AND feature != ''
GROUP BY GROUPING SETS ((tenant_id, feature), (tenant_id))
HAVING requests > 0`
