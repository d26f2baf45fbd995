/**
 * The incremental reading of stream_end_minute for stream abuse
 * (stream-window-minutes.ts). First every minute's totals over the window's
 * minutes (one row per minute: the row count and the sum of every column the
 * detector reads), which tell which minutes changed since the last run (a
 * late or replayed stream adds a row, a merge folding a replay removes one);
 * then the closed streams of just those minutes ({ms}, epoch minutes, within
 * the span [from, to)), one row per install and minute with its streams as
 * parallel arrays in the order they ended, read as stored (not grouped per
 * stream), as stream-installs.ts reads them.
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
SELECT m, tenant_id, install_id, arrayMap(x -> x.1, streams) AS ends, arrayMap(x -> x.2, streams) AS durations,
  arrayMap(x -> x.3, streams) AS completions, arrayMap(x -> x.4, streams) AS costs, arrayMap(x -> x.5, streams) AS cuts
FROM (
  SELECT toUInt32(toUnixTimestamp(minute) / 60) AS m, tenant_id, install_id,
    arraySort(groupArray((end_ms, duration_ms, completion_tokens, cost_micros, client_disconnect))) AS streams
  ${MINUTES.replace('{db}', db)}
    AND has({ms:Array(UInt32)}, toUInt32(toUnixTimestamp(minute) / 60))
  GROUP BY minute, tenant_id, install_id
)`
