import type { Store } from '../clickhouse/client'
import type { OverviewKpis } from '../dashboard/types'
import { rangeSqlParams, type ResolvedRange } from '../time-range'
import { selectRows } from './sql'
import { kpiTiers } from './kpi-tiers'
import { defaultSkip, tierParams } from './usage-tiers'

interface Row {
  spend: number
  n_requests: number
  n_streams: number
  n_prompt_tokens: number
  n_completion_tokens: number
  n_installs: number
  accepted: number
  rejected: number
  total_stream_ms: number
  denials: number
  errors: number
  last_t: number
  last_spend: number
  last_requests: number
  last_tokens: number
}

/**
 * The whole hours inside the window's minutes, as epoch seconds [from, to).
 * The window holds the minutes m with from <= m < to; an hour counts only if
 * all of its minutes do. None: from = to, which excludes no minute.
 */
export function wholeHours(range: Pick<ResolvedRange, 'fromMs' | 'toMs'>): { hourFrom: number; hourTo: number } {
  const endS = Math.ceil(range.toMs / 60_000) * 60
  const hourFrom = Math.ceil(range.fromMs / 3_600_000) * 3600
  const hourTo = Math.floor(endS / 3600) * 3600
  return hourFrom < hourTo ? { hourFrom, hourTo } : { hourFrom: endS, hourTo: endS }
}

/**
 * Up to this window the KPIs read whole hours from kpi_hour instead of whole days from kpi_day. Chosen when sums and
 * sketches were separate reads (in chDB a table read costs ~4–5 ms however few rows it finds: 7 d p50 43.2 → 39.8 ms
 * with no day tier; at 30 d 720 hours cost more, 44.4 → 55.4 ms). With the KPI rollups the 7 d window measures the
 * same either way (p50 21.8 ms hours, 21.7 ms days; 30 d: 30.0 hours, 20.9 days; issue 17 probes, docs/benchmarks.md).
 * Counts are the same either way.
 */
export const KPI_HOURS_UP_TO_MS = 8 * 86_400_000

/**
 * Headline numbers of the window from the KPI rollups (migration 0065: the usage sums and the tenant-total install
 * sketch in one row per time and tenant, or for all tenants): whole days, whole hours, edge minutes (kpi-tiers.ts, cut
 * by usage-tiers.ts), one table read per tier. Active installs merge ~30 day sketches at 30 d. The last minute's
 * figures come from the same read of kpi_minute as the window's edge minutes.
 */
export async function overviewKpis(store: Store, range: ResolvedRange): Promise<OverviewKpis> {
  // "Right now" = the last minute that has fully elapsed, or the window's last minute if it is in the past.
  const lastMinute = Math.min(Math.floor(Date.now() / 60_000) - 1, Math.floor(range.toMs / 60_000) - 1) * 60
  const cut = tierParams(range, 'day', range.toMs - range.fromMs <= KPI_HOURS_UP_TO_MS ? ['quarter', 'day'] : defaultSkip('day'))
  const [r] = await selectRows<Row>(
    store,
    `
    SELECT
      sumIf(cost_micros, in_window) AS spend, sumIf(requests, in_window) AS n_requests, sumIf(streams, in_window) AS n_streams,
      sumIf(prompt_tokens, in_window) AS n_prompt_tokens, sumIf(completion_tokens, in_window) AS n_completion_tokens,
      uniqCombinedMergeIf(14)(installs, in_window) AS n_installs,
      sumIf(attest_accepted, in_window) AS accepted, sumIf(attest_rejected, in_window) AS rejected,
      sumIf(stream_ms, in_window) AS total_stream_ms, sumIf(policy_denials, in_window) AS denials, sumIf(upstream_errors, in_window) AS errors,
      {last:UInt32} * 1000 AS last_t,
      sumIf(cost_micros, is_last) AS last_spend, sumIf(requests, is_last) AS last_requests,
      sumIf(prompt_tokens + completion_tokens, is_last) AS last_tokens
    FROM (${kpiTiers(store, cut)})`,
    // One set of tier bounds for the sums and the install sketches; the last minute comes with the minute read.
    { ...rangeSqlParams(range), ...cut, last: lastMinute },
  )
  const attestations = r.accepted + r.rejected
  return {
    from: range.fromMs,
    to: range.toMs,
    stepS: range.stepS,
    spendMicros: r.spend,
    requests: r.n_requests,
    streams: r.n_streams,
    promptTokens: r.n_prompt_tokens,
    completionTokens: r.n_completion_tokens,
    activeInstalls: r.n_installs,
    attestAccepted: r.accepted,
    attestRejected: r.rejected,
    rejectionRate: attestations > 0 ? r.rejected / attestations : 0,
    avgConcurrentStreams: r.total_stream_ms / (range.toMs - range.fromMs),
    policyDenials: r.denials,
    upstreamErrors: r.errors,
    lastMinute: { t: r.last_t, spendMicros: r.last_spend, requests: r.last_requests, tokens: r.last_tokens },
  }
}
