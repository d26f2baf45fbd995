import type { Store } from '../clickhouse/client'
import type { CostDimension, StackedSeries } from '../dashboard/types'
import type { ResolvedRange } from '../time-range'
import { selectRows } from './sql'
import { coarsestFor, tierParams, usageTiers } from './usage-tiers'
import { pivot } from './stacked'

/**
 * Spend per bucket stacked by one dimension, from the usage rollups (whole
 * days from usage_day when the buckets are days, whole hours from usage_hour
 * when they are hours, minutes at the edges). `by` is a validated enum value,
 * so inlining it as a column name is safe.
 */
export async function spendSeries(store: Store, range: ResolvedRange, by: CostDimension, maxKeys = 8): Promise<StackedSeries> {
  const cut = tierParams(range, coarsestFor(range.stepS))
  const rows = await selectRows<{ t: number; key: string; value: number }>(
    store,
    `
    SELECT toUnixTimestamp(toStartOfInterval(minute, toIntervalSecond({step:UInt32}))) * 1000 AS t,
      toString(${by}) AS key, sum(cost_micros) AS value
    FROM (${usageTiers(store, [by, 'cost_micros'], cut)})
    GROUP BY t, key
    HAVING value > 0`,
    cut,
  )
  return pivot(range, rows, maxKeys)
}
