/**
 * The listed installs' streams with a progress report in [from, to)
 * (open_stream_minute): per stream its start and its last report, the span it
 * was certainly open. Only installs holding several long streams now are
 * listed, so the read is a few rows of a small table.
 */
export const heldWindowStreamsSql = (db: string) => `
SELECT install_id, stream_id, min(start_ms) AS start_ms, max(last_ms) AS last_ms
FROM ${db}.open_stream_minute
WHERE tenant_id = {tenant:String}
  AND minute >= toStartOfMinute(toDateTime({from:UInt32}, 'UTC')) AND minute < toDateTime({to:UInt32}, 'UTC')
  AND install_id IN {installs:Array(String)}
GROUP BY install_id, stream_id`
