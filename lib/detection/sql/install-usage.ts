/**
 * Per install and feature over [from, to): volume, sizes and the busiest
 * minute, from the install_minute rollup. The inner GROUP BY merges rollup
 * parts (SimpleAggregateFunction columns are only final after a merge).
 * Concurrency is approximated per minute from the streams that ended in it
 * (the gateway reports a stream once, when it closes): their milliseconds,
 * capped at one minute for each of them (m_open_ms), / 60 000, about the
 * average number of them open during that minute. Without the cap one
 * 20-minute answer read as 20 streams at once. {only} restricts it to a few
 * installs (empty: all).
 */
/** One install-minute's usage, as the window queries sum it from install_minute (m_ columns). */
export const INSTALL_MINUTE_SUMS = `sum(requests) AS m_requests, sum(streams) AS m_streams,
    sum(prompt_tokens) AS m_prompt, sum(completion_tokens) AS m_completion,
    sum(cost_micros) AS m_cost, least(sum(stream_ms), sum(streams) * 60000) AS m_open_ms,
    max(max_context_tokens) AS m_max_context, max(max_completion_tokens) AS m_max_completion`

export const installUsageSql = (db: string) => `
SELECT tenant_id, feature, install_id,
  count() AS active_minutes,
  sum(m_requests) AS requests,
  sum(m_streams) AS streams,
  sum(m_prompt) AS prompt_tokens,
  sum(m_completion) AS completion_tokens,
  sum(m_cost) AS cost_micros,
  max(m_prompt + m_completion) AS peak_tokens_per_minute,
  max(m_max_context) AS max_context_tokens,
  max(m_max_completion) AS max_completion_tokens,
  max(m_open_ms) / 60000 AS peak_concurrency
FROM (
  SELECT minute, tenant_id, install_id, feature,
    ${INSTALL_MINUTE_SUMS}
  FROM ${db}.install_minute
  WHERE minute >= toDateTime({from:UInt32}, 'UTC') AND minute < toDateTime({to:UInt32}, 'UTC')
    AND ({tenant:String} = '' OR tenant_id = {tenant:String})
    AND (empty({only:Array(String)}) OR has({only:Array(String)}, install_id))
  GROUP BY minute, tenant_id, install_id, feature
)
WHERE m_requests > 0
GROUP BY tenant_id, feature, install_id`
