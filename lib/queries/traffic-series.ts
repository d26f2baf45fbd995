import type { Store } from '../clickhouse/client'
import type { TrafficPoint, TrafficSeries } from '../dashboard/types'
import { bucketStarts, type ResolvedRange } from '../time-range'
import { installsBy } from './install-sketch'
import { selectRows } from './sql'
import { coarsestFor, tierParams, usageTiers } from './usage-tiers'

/**
 * Requests, tokens, spend, installs and stream concurrency per bucket, normalised to per-minute rates. Sums come
 * from the coarsest usage rollup the bucket allows (a 30-day chart reads day rows, not 43,200 minutes), active
 * installs from the per-dimension install sketches (the tenant totals), per bucket.
 */
export async function trafficSeries(store: Store, range: ResolvedRange): Promise<TrafficSeries> {
  const cut = tierParams(range, coarsestFor(range.stepS))
  const rows = await selectRows<{ t: number; requests: number; tokens: number; spend: number; installs: number; stream_ms: number; errors: number }>(
    store,
    `
    SELECT s.t AS t, s.requests AS requests, s.tokens AS tokens, s.spend AS spend, i.installs AS installs, s.stream_ms AS stream_ms,
      s.errors AS errors
    FROM (
      SELECT toUnixTimestamp(toStartOfInterval(minute, toIntervalSecond({step:UInt32}))) * 1000 AS t,
        sum(requests) AS requests, sum(prompt_tokens + completion_tokens) AS tokens, sum(cost_micros) AS spend,
        sum(stream_ms) AS stream_ms, sum(upstream_errors) AS errors
      FROM (${usageTiers(store, ['requests', 'prompt_tokens', 'completion_tokens', 'cost_micros', 'stream_ms', 'upstream_errors'], cut)})
      GROUP BY t
    ) AS s
    LEFT JOIN (SELECT t, sum(installs) AS installs FROM (${installsBy(store, null, cut, { perBucket: true, tenant: range.tenant })}) GROUP BY t) AS i ON i.t = s.t`,
    cut,
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
