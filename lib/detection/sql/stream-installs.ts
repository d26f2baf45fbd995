/**
 * Per install over streams that ended in [from, to): counts, longest stream,
 * zombies (long and nearly silent), client disconnects and what they cost,
 * and the exact peak of concurrently open streams. A zombie is stream-zombie.ts's
 * isZombie: its tenant's line ({line_tenants} / {line_tps}, ZombieLines.sqlParams;
 * the absolute {zombie_tps} elsewhere). A stream is the interval
 * [end - duration, end]; the peak is the running sum of +1 at each start and
 * -1 at each end (ends sort first at a tie: back-to-back is not overlap).
 * Each point is one integer, 2·t for an end and 2·t + 1 for a start, so a
 * plain numeric sort gives that order: sorting (time, ±1) tuples was ≈ 80%
 * of this query's CPU at 5,000 ev/s (4.4–4.6 s per run; 2.4–3.5 s with
 * integers, same rows; load 16–30).
 * From stream_end_minute (migration 0055), keyed by the minute a stream
 * ended, so a window reads only its minutes. Rows are read as stored, not
 * grouped per stream (grouping 1.6 M stream ids per window at 5,000 ev/s
 * cost more than the raw scan it replaces): a replayed block is dropped by
 * the table's deduplication window, as in the other rollups. The minute
 * filter starts at the window's first minute and end_ms keeps the exact
 * bounds.
 */
export const streamInstallsSql = (db: string) => `
WITH streams AS (
  SELECT tenant_id, install_id, end_ms AS s_end, duration_ms AS s_duration,
    completion_tokens AS s_completion, cost_micros AS s_cost, client_disconnect AS s_cut,
    transform(toString(tenant_id), {line_tenants:Array(String)}, {line_tps:Array(Float64)}, {zombie_tps:Float64}) AS s_zombie_tps
  FROM ${db}.stream_end_minute
  WHERE minute >= toStartOfMinute(toDateTime({from:UInt32}, 'UTC')) AND minute < toDateTime({to:UInt32}, 'UTC')
    AND ({tenant:String} = '' OR tenant_id = {tenant:String})
    AND end_ms >= toInt64({from:UInt32}) * 1000 AND end_ms < toInt64({to:UInt32}) * 1000
)
SELECT tenant_id, install_id,
  count() AS streams,
  max(s_duration) AS max_duration_ms,
  quantileExact(0.5)(s_duration) AS median_duration_ms,
  sum(s_duration) AS total_duration_ms,
  countIf(s_duration >= {zombie_ms:UInt32} AND s_completion * 1000 < s_zombie_tps * s_duration) AS zombie_streams,
  countIf(s_cut = 1) AS client_disconnects,
  sumIf(s_cost, s_cut = 1) AS disconnect_cost_micros,
  sum(s_cost) AS cost_micros,
  arrayMax(arrayCumSum(arrayMap(x -> if(x % 2 = 1, 1, -1),
    arraySort(arrayFlatten(groupArray([(s_end - toInt64(s_duration)) * 2 + 1, s_end * 2])))))) AS max_concurrent
FROM streams
GROUP BY tenant_id, install_id`
