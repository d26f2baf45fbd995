import type { Store } from '../clickhouse/client'
import type { InstallTimeline, InstallTimelinePoint } from '../dashboard/types'
import { bucketStarts, rangeSqlParams, rangeWhere, type ResolvedRange } from '../time-range'
import { selectRows, table } from './sql'

/** One install's spend, requests, tokens, streams, rejections and denials per bucket, from install_minute. */
export async function installTimeline(store: Store, range: ResolvedRange, installId: string): Promise<InstallTimeline> {
  const rows = await selectRows<Omit<InstallTimelinePoint, 'concurrent_streams'> & { stream_ms: number }>(store, `
    SELECT toUnixTimestamp(toStartOfInterval(minute, toIntervalSecond({step:UInt32}))) * 1000 AS t,
      sum(cost_micros) AS cost_micros, sum(requests) AS requests, sum(prompt_tokens + completion_tokens) AS tokens,
      sum(streams) AS streams, sum(stream_ms) AS stream_ms, max(max_context_tokens) AS max_context_tokens,
      sum(attest_rejected) AS attest_rejected, sum(policy_denials) AS policy_denials
    FROM ${table(store, 'install_minute')}
    WHERE ${rangeWhere('minute')} AND install_id = {install:String}
    GROUP BY t`, { ...rangeSqlParams(range), install: installId })
  const byT = new Map(rows.map((r) => [r.t, r]))
  const points = bucketStarts(range).map((t): InstallTimelinePoint => {
    const r = byT.get(t)
    return {
      t, cost_micros: r?.cost_micros ?? 0, requests: r?.requests ?? 0, tokens: r?.tokens ?? 0, streams: r?.streams ?? 0,
      concurrent_streams: r ? r.stream_ms / (range.stepS * 1000) : 0, max_context_tokens: r?.max_context_tokens ?? 0,
      attest_rejected: r?.attest_rejected ?? 0, policy_denials: r?.policy_denials ?? 0,
    }
  })
  return { from: range.fromMs, to: range.toMs, stepS: range.stepS, install_id: installId, points }
}
