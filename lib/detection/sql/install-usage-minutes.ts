import { INSTALL_MINUTE_SUMS } from './install-usage'

/**
 * The incremental reading of install_minute for the window pass of prompt
 * bombing (bombing-window-minutes.ts). First every minute's totals over
 * [from, to) (one row per minute, every column the window uses: sums and
 * maxima, which parts merging does not change), which tell which minutes
 * changed since the last run; then the install rows of just those minutes
 * ({ms}, epoch minutes, within the span [from, to)), grouped and filtered as
 * install-usage.ts groups them before its per-install sums.
 */
export const installUsageMinuteSumsSql = (db: string) => `
SELECT toUInt32(toUnixTimestamp(minute) / 60) AS m,
  concat(toString(sum(requests)), '/', toString(sum(streams)), '/', toString(sum(prompt_tokens)), '/',
    toString(sum(completion_tokens)), '/', toString(sum(cost_micros)), '/', toString(sum(stream_ms)), '/',
    toString(max(max_context_tokens)), '/', toString(max(max_completion_tokens))) AS sums
FROM ${db}.install_minute
WHERE minute >= toDateTime({from:UInt32}, 'UTC') AND minute < toDateTime({to:UInt32}, 'UTC')
  AND ({tenant:String} = '' OR tenant_id = {tenant:String})
GROUP BY m`

/**
 * One row per minute, its install rows as parallel arrays: returned row by row
 * (≈ 51,000 a minute at 5,000 ev/s), formatting and parsing them cost 0.4–1.5 s
 * against ≈ 0.1 s for the query itself.
 */
export const installUsageMinuteRowsSql = (db: string) => `
SELECT m, groupArray(tenant_id) AS tenants, groupArray(feature) AS features, groupArray(install_id) AS installs,
  ${COLUMNS_OF_MINUTE.map((c) => `groupArray(${c}) AS ${c}`).join(', ')}
FROM (
  SELECT toUInt32(toUnixTimestamp(minute) / 60) AS m, tenant_id, feature, install_id,
    ${INSTALL_MINUTE_SUMS}
  FROM ${db}.install_minute
  WHERE minute >= toDateTime({from:UInt32}, 'UTC') AND minute < toDateTime({to:UInt32}, 'UTC')
    AND ({tenant:String} = '' OR tenant_id = {tenant:String})
    AND has({ms:Array(UInt32)}, toUInt32(toUnixTimestamp(minute) / 60))
  GROUP BY minute, tenant_id, install_id, feature
  HAVING m_requests > 0
)
GROUP BY m`

/** The per-install columns of a minute (INSTALL_MINUTE_SUMS), in the order bombing-window-minutes.ts keeps them. */
export const COLUMNS_OF_MINUTE = ['m_requests', 'm_streams', 'm_prompt', 'm_completion', 'm_cost', 'm_open_ms', 'm_max_context', 'm_max_completion'] as const
