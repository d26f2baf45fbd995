import type { Store } from '../clickhouse/client'
import type { TrafficPoint, TrafficSeries } from '../dashboard/types'
import { bucketStarts, rangeSqlParams, rangeWhere, type ResolvedRange } from '../time-range'
import { selectRows, table } from './sql'

/** Requests, tokens, spend, installs and stream concurrency per bucket, normalised to per-minute rates. */
export async function trafficSeries(store: Store, range: ResolvedRange): Promise<TrafficSeries> {
  const rows = await selectRows<{ t: number; requests: number; tokens: number; spend: number; installs: number; stream_ms: number; errors: number }>(
    store,
    `
    SELECT toUnixTimestamp(toStartOfInterval(minute, toIntervalSecond({step:UInt32}))) * 1000 AS t,
      sum(requests) AS requests, sum(prompt_tokens + completion_tokens) AS tokens, sum(cost_micros) AS spend,
      uniqMerge(installs) AS installs, sum(stream_ms) AS stream_ms, sum(upstream_errors) AS errors
    FROM ${table(store, 'usage_minute')}
    WHERE ${rangeWhere('minute')}
    GROUP BY t`,
    rangeSqlParams(range),
  )
  const minutes = range.stepS / 60
  const byT = new Map(rows.map((r) => [r.t, r]))
  const points: TrafficPoint[] = bucketStarts(range).map((t) => {
    const r = byT.get(t)
    return {
      t,
      requestsPerMin: r ? r.requests / minutes : 0,
      tokensPerMin: r ? r.tokens / minutes : 0,
      spendPerMinMicros: r ? r.spend / minutes : 0,
      activeInstalls: r?.installs ?? 0,
      concurrentStreams: r ? r.stream_ms / (range.stepS * 1000) : 0,
      errorsPerMin: r ? r.errors / minutes : 0,
    }
  })
  return { from: range.fromMs, to: range.toMs, stepS: range.stepS, points }
}
