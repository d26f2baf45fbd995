/**
 * The incremental reading of stream_end_minute for stream abuse
 * (stream-window-minutes.ts). First every minute's totals over the window's
 * minutes (one row per minute: the row count and the sum of every column the
 * detector reads), which tell which minutes changed since the last run (a
 * late or replayed stream adds a row, a merge folding a replay removes one);
 * then the closed streams of just those minutes ({ms}, epoch minutes, within
 * the span [from, to)), read as stored (not grouped per stream), as
 * stream-installs.ts reads them: one row per minute, its installs and how
 * many streams each, and the streams' columns as parallel arrays, each
 * install's in the order they ended (a row per install and minute was
 * ≈ 19,000 rows to format and parse per minute at 5,000 ev/s).
 */
const MINUTES = `FROM {db}.stream_end_minute
WHERE minute >= toStartOfMinute(toDateTime({from:UInt32}, 'UTC')) AND minute < toDateTime({to:UInt32}, 'UTC')
  AND ({tenant:String} = '' OR tenant_id = {tenant:String})`

export const streamMinuteSumsSql = (db: string) => `
SELECT toUInt32(toUnixTimestamp(minute) / 60) AS m,
  concat(toString(count()), '/', toString(sum(end_ms)), '/', toString(sum(duration_ms)), '/',
    toString(sum(completion_tokens)), '/', toString(sum(cost_micros)), '/', toString(sum(client_disconnect))) AS sums
${MINUTES.replace('{db}', db)}
GROUP BY m`

export const streamMinuteRowsSql = (db: string) => `
SELECT m, groupArray(tenant_id) AS tenants, groupArray(install_id) AS installs, groupArray(length(streams)) AS counts,
  arrayFlatten(groupArray(arrayMap(x -> x.1, streams))) AS ends, arrayFlatten(groupArray(arrayMap(x -> x.2, streams))) AS durations,
  arrayFlatten(groupArray(arrayMap(x -> x.3, streams))) AS completions, arrayFlatten(groupArray(arrayMap(x -> x.4, streams))) AS costs,
  arrayFlatten(groupArray(arrayMap(x -> x.5, streams))) AS cuts
FROM (
  SELECT toUInt32(toUnixTimestamp(minute) / 60) AS m, tenant_id, install_id,
    arraySort(groupArray((end_ms, duration_ms, completion_tokens, cost_micros, client_disconnect))) AS streams
  ${MINUTES.replace('{db}', db)}
    AND has({ms:Array(UInt32)}, toUInt32(toUnixTimestamp(minute) / 60))
  GROUP BY minute, tenant_id, install_id
)
GROUP BY m`
