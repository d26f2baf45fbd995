import type { Store } from '../clickhouse/client'
import type { CostDimension } from '../dashboard/types'
import type { ResolvedRange } from '../time-range'
import { streamRows } from './sql'
import { coarsestFor, tierParams, usageTiers } from './usage-tiers'

export interface SpendSeriesRow {
  t: number
  key: string
  cost_micros: number
  requests: number
  tokens: number
}

/**
 * The cost chart's data as rows, every bucket and every value of `by` (the
 * chart folds all but the top keys into "other"; the export does not), in time
 * order, streamed: the same tiers as spendSeries, so the file and the chart agree.
 */
export function spendSeriesRows(store: Store, range: ResolvedRange, by: CostDimension): AsyncGenerator<SpendSeriesRow> {
  const cut = tierParams(range, coarsestFor(range.stepS))
  return streamRows<SpendSeriesRow>(
    store,
    `
    SELECT toUnixTimestamp(toStartOfInterval(minute, toIntervalSecond({step:UInt32}))) * 1000 AS t,
      toString(${by}) AS key, sum(cost_micros) AS cost_micros, sum(requests) AS requests,
      sum(prompt_tokens + completion_tokens) AS tokens
    FROM (${usageTiers(store, [by, 'cost_micros', 'requests', 'prompt_tokens', 'completion_tokens'], cut)})
    GROUP BY t, key
    HAVING cost_micros > 0 OR requests > 0
    ORDER BY t, key`,
    cut,
  )
}
