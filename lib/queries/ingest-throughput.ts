import type { Store } from '../clickhouse/client'
import { bucketStarts, type ResolvedRange } from '../time-range'
import { selectRows, table } from './sql'

/**
 * Events/s per bucket summed over ingest processes, from the 5-second health
 * snapshots: per process, the mean of its snapshots in the bucket.
 */
export async function ingestThroughput(store: Store, range: ResolvedRange): Promise<{ t: number; eventsPerSec: number }[]> {
  const rows = await selectRows<{ t: number; eps: number }>(
    store,
    `
    SELECT t, sum(eps) AS eps FROM (
      SELECT toUnixTimestamp(toStartOfInterval(at, toIntervalSecond({step:UInt32}))) * 1000 AS t, instance_id,
        avg(JSONExtractFloat(health, 'eventsPerSec')) AS eps
      FROM ${table(store, 'ingest_status')}
      WHERE at >= toDateTime64({from:UInt32}, 3, 'UTC') AND at < toDateTime64({to:UInt32}, 3, 'UTC')
      GROUP BY t, instance_id
    ) GROUP BY t`,
    { from: Math.floor(range.fromMs / 1000), to: Math.ceil(range.toMs / 1000), step: range.stepS },
  )
  const byT = new Map(rows.map((r) => [r.t, r.eps]))
  return bucketStarts(range).map((t) => ({ t, eventsPerSec: byT.get(t) ?? 0 }))
}
