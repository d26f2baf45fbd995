import type { Store } from '../clickhouse/client'
import type { CostDimension, StackedSeries } from '../dashboard/types'
import { rangeSqlParams, rangeWhere, type ResolvedRange } from '../time-range'
import { selectRows, table } from './sql'
import { pivot } from './stacked'

/**
 * Spend per bucket stacked by one dimension, from usage_minute. `by` is a
 * validated enum value, so inlining it as a column name is safe.
 */
export async function spendSeries(store: Store, range: ResolvedRange, by: CostDimension, maxKeys = 8): Promise<StackedSeries> {
  const rows = await selectRows<{ t: number; key: string; value: number }>(store, `
    SELECT toUnixTimestamp(toStartOfInterval(minute, toIntervalSecond({step:UInt32}))) * 1000 AS t,
      toString(${by}) AS key, sum(cost_micros) AS value
    FROM ${table(store, 'usage_minute')}
    WHERE ${rangeWhere('minute')}
    GROUP BY t, key
    HAVING value > 0`, rangeSqlParams(range))
  return pivot(range, rows, maxKeys)
}
