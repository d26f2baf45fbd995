/**
 * Streams with a progress report in [from, to) (open_stream_minute): per
 * stream its latest report, elapsed time and tokens so far. A stream whose
 * last report is older than a report interval and a half has most likely
 * closed (its `stream` event then counts it).
 */
export const openStreamsSql = (db: string) => `
SELECT tenant_id, install_id, stream_id, anyLast(feature) AS feature,
  min(start_ms) AS start_ms, max(last_ms) AS last_ms, max(elapsed_ms) AS elapsed_ms,
  max(context_tokens) AS context_tokens, max(completion_tokens) AS completion_tokens
FROM ${db}.open_stream_minute
WHERE minute >= toStartOfMinute(toDateTime({from:UInt32}, 'UTC')) AND minute < toDateTime({to:UInt32}, 'UTC')
  AND ({tenant:String} = '' OR tenant_id = {tenant:String})
GROUP BY tenant_id, install_id, stream_id
HAVING last_ms >= toInt64({from:UInt32}) * 1000`
