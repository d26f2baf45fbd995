import type { Store } from '../clickhouse/client'
import type { InstallTimeline, InstallTimelinePoint } from '../dashboard/types'
import { bucketStarts, rangeSqlParams, rangeWhere, type ResolvedRange } from '../time-range'
import { selectRows, table } from './sql'

/**
 * One install's spend, requests, tokens, streams, rejections and denials per
 * bucket, from the raw events. The events table is sorted by install within
 * a tenant, so one install's rows are a few granules; install_minute is
 * sorted by minute first and made this read every install's rows in the
 * window (docs/benchmarks.md: 2.8× slower at 10M events). Minutes are
 * filtered and counted exactly as install_minute_mv counts them (stream_progress
 * reports skipped, migration 0007), so the figures match the rollup-fed panels.
 */
export async function installTimeline(store: Store, range: ResolvedRange, installId: string): Promise<InstallTimeline> {
  const rows = await selectRows<Omit<InstallTimelinePoint, 'concurrent_streams'> & { stream_ms: number }>(
    store,
    `
    SELECT toUnixTimestamp(toStartOfInterval(ts, toIntervalSecond({step:UInt32}))) * 1000 AS t,
      sum(cost_micros) AS cost_micros, countIf(type IN ('llm_request', 'stream')) AS requests,
      sum(toUInt64(prompt_tokens) + completion_tokens) AS tokens, countIf(type = 'stream') AS streams,
      sum(toUInt64(duration_ms)) AS stream_ms, max(context_tokens) AS max_context_tokens,
      countIf(type = 'attestation' AND verdict = 'rejected') AS attest_rejected,
      countIf(type = 'policy_denial') AS policy_denials
    FROM ${table(store, 'events')}
    WHERE install_id = {install:String} AND type NOT IN ('policy_ack', 'stream_progress') AND ${rangeWhere('toStartOfMinute(ts)')}
    GROUP BY t`,
    { ...rangeSqlParams(range), install: installId },
  )
  const byT = new Map(rows.map((r) => [r.t, r]))
  const points = bucketStarts(range).map((t): InstallTimelinePoint => {
    const r = byT.get(t)
    return {
      t,
      cost_micros: r?.cost_micros ?? 0,
      requests: r?.requests ?? 0,
      tokens: r?.tokens ?? 0,
      streams: r?.streams ?? 0,
      concurrent_streams: r ? r.stream_ms / (range.stepS * 1000) : 0,
      max_context_tokens: r?.max_context_tokens ?? 0,
      attest_rejected: r?.attest_rejected ?? 0,
      policy_denials: r?.policy_denials ?? 0,
    }
  })
  return { from: range.fromMs, to: range.toMs, stepS: range.stepS, install_id: installId, points }
}
