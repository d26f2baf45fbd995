/**
 * One tenant's installs' calls over [from, to), each with its start, context
 * and output, in the order they were made: the raw events, read by the table's
 * sort key (tenant, install), so a few installs are a short read. A stream's
 * `ts` is its end (docs/events.md, Time fields): its start is `ts − duration_ms`;
 * a plain call's is `ts − latency_ms`.
 */
export const installRequestsSql = (db: string) => `
SELECT install_id, feature,
  toUnixTimestamp64Milli(ts) - if(type = 'stream', duration_ms, latency_ms) AS start,
  context_tokens, completion_tokens
FROM ${db}.events
WHERE tenant_id = {tenant:String} AND install_id IN {installs:Array(String)}
  AND ts >= toDateTime64({from:UInt32}, 3, 'UTC') AND ts < toDateTime64({to:UInt32}, 3, 'UTC')
  AND type IN ('llm_request', 'stream')
ORDER BY install_id, feature, start`
