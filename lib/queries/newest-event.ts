import type { Store } from '../clickhouse/client'
import { selectRows, table } from './sql'

/**
 * Timestamp of the newest stored event, for freshness. Reads the raw table's
 * newest partition only: max(ts) over the last two days.
 */
export async function newestEventTs(store: Store): Promise<number | null> {
  const [r] = await selectRows<{ newest: number; n: number }>(
    store,
    `
    SELECT toUnixTimestamp64Milli(max(ts)) AS newest, count() AS n FROM ${table(store, 'events')}
    WHERE ts >= now() - INTERVAL 2 DAY`,
  )
  return r && r.n > 0 ? r.newest : null
}
