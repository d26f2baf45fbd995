import type { Store } from '../clickhouse/client'
import type { IngestInstance } from '../dashboard/types'
import type { IngestHealth } from '../ingest/health'
import { selectRows, table } from './sql'

/** Latest health snapshot of every ingest process that reported in the last 10 minutes (ingest_status). */
export async function ingestInstances(store: Store): Promise<IngestInstance[]> {
  const rows = await selectRows<{ instance_id: string; last_source: string; last_at: number; last_health: string }>(
    store,
    `
    SELECT instance_id, argMax(source, at) AS last_source, toUnixTimestamp64Milli(max(at)) AS last_at, argMax(health, at) AS last_health
    FROM ${table(store, 'ingest_status')}
    WHERE at >= now64(3) - INTERVAL 10 MINUTE
    GROUP BY instance_id
    ORDER BY instance_id`,
  )
  return rows.map((r) => ({ instance_id: r.instance_id, source: r.last_source, at: r.last_at, health: JSON.parse(r.last_health) as IngestHealth }))
}
