import type { Store } from '../clickhouse/client'
import type { PromptSizeBin, PromptSizeHistogram } from '../dashboard/types'
import { rangeSqlParams, rangeWhere, type ResolvedRange } from '../time-range'
import { selectRows, table } from './sql'

/**
 * Distribution of context size per request on a log₂ scale (16, 32, 64, …
 * tokens), with p50/p90/p99 markers. The rollups keep quantiles, not
 * histograms, so the bins come from the raw table (pruned to the window's day
 * partitions, reading three narrow columns); the quantiles and the max come
 * from usage_minute in a scalar subquery of the same statement.
 */
export async function promptSizeHistogram(store: Store, range: ResolvedRange): Promise<PromptSizeHistogram> {
  const rows = await selectRows<{ lo: number; requests: number; q: number[]; max: number }>(
    store,
    `
    WITH (
      SELECT tuple(quantilesTDigestMerge(0.5, 0.9, 0.99)(context_tokens_q), max(max_context_tokens))
      FROM ${table(store, 'usage_minute')}
      WHERE ${rangeWhere('minute')}
    ) AS rollup
    SELECT toUInt32(pow(2, floor(log2(greatest(context_tokens, 1))))) AS lo, count() AS requests,
      tupleElement(rollup, 1) AS q, tupleElement(rollup, 2) AS max
    FROM ${table(store, 'events')}
    WHERE ${rangeWhere('ts')} AND type IN ('llm_request', 'stream')
    GROUP BY lo ORDER BY lo`,
    rangeSqlParams(range),
  )
  const [p50, p90, p99] = rows[0]?.q ?? [0, 0, 0]
  const requests = rows.reduce((s, b) => s + b.requests, 0)
  const bins: PromptSizeBin[] = rows.map((b) => ({ lo: b.lo, hi: b.lo * 2, requests: b.requests, outlier: p99 > 0 && b.lo >= p99 }))
  return { from: range.fromMs, to: range.toMs, stepS: range.stepS, bins, requests, p50, p90, p99, max: rows[0]?.max ?? 0 }
}
