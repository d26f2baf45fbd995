import type { Store } from '../clickhouse/client'
import { queryRows, num, toSec } from './query'
import { FINDING_MIN_SCORE, severityFor, type DetectionSettings } from './settings'
import { installSeriesSql } from './sql/install-series'
import { installUsageSql } from './sql/install-usage'
import { cusumZ, detectSequentialBombing, type BombingGroup, type SequentialEvidence } from './bombing-sequential'
import { openByInstallFeature, openStreams } from './open-streams'
import { logBand, MIN_LOG_SIGMA, MIN_LOG_SIGMA_COUNT, topShare, zFromLogBand, zToScore, type LogBand } from './stats'
import type { FeatureConcentration, PromptBombingRow, ScoredMetric, SeriesPoint } from './types'

export interface UsageRow {
  tenant_id: string
  feature: string
  install_id: string
  active_minutes: number
  requests: number
  streams: number
  prompt_tokens: number
  completion_tokens: number
  cost_micros: number
  peak_tokens_per_minute: number
  max_context_tokens: number
  max_completion_tokens: number
  peak_concurrency: number
}

export interface PromptBombingResult {
  rows: PromptBombingRow[]
  concentration: FeatureConcentration[]
  /** Group findings (installs sharing a trait, or a feature's coordinated excess); install_id is the group's subject. */
  groups?: PromptBombingRow[]
}

const METRICS = ['tokens_per_minute', 'peak_tokens_per_minute', 'context_tokens', 'output_tokens', 'concurrent_streams'] as const
type Metric = (typeof METRICS)[number]

function metricValues(r: UsageRow): Record<Metric, number> {
  return {
    tokens_per_minute: (r.prompt_tokens + r.completion_tokens) / Math.max(1, r.active_minutes),
    peak_tokens_per_minute: r.peak_tokens_per_minute,
    context_tokens: r.prompt_tokens / Math.max(1, r.requests),
    output_tokens: r.completion_tokens / Math.max(1, r.requests),
    concurrent_streams: r.peak_concurrency,
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US')

/** Concurrency is a small count like stream abuse's; the rest are continuous token quantities. */
const MIN_SIGMA: Record<Metric, number> = {
  tokens_per_minute: MIN_LOG_SIGMA, peak_tokens_per_minute: MIN_LOG_SIGMA, context_tokens: MIN_LOG_SIGMA,
  output_tokens: MIN_LOG_SIGMA, concurrent_streams: MIN_LOG_SIGMA_COUNT,
}

/**
 * Fewest installs of a feature in the window for its installs to be scored:
 * with two or three, the "median" is simply another install, and any
 * difference reads as an outlier. Smaller features still get rows (for the
 * ranking), with score 0.
 */
export const MIN_FEATURE_INSTALLS = 10

/**
 * Combines per-metric z-scores. Size (context or output per request) is the
 * signal of prompt bombing; volume and concurrency alone are not, because
 * legitimate power users are heavy-tailed in volume but not in request size.
 * Volume and concurrency therefore only count jointly with size, through the
 * geometric mean: a 4σ size excess plus a 9σ volume excess scores 6σ, a 9σ
 * volume excess with normal sizes scores nothing.
 */
export function combinedZ(z: Record<Metric, number>): number {
  const size = Math.max(z.context_tokens, z.output_tokens, 0)
  const volume = Math.max(z.tokens_per_minute, z.peak_tokens_per_minute, 0)
  const concurrency = Math.max(z.concurrent_streams, 0)
  return Math.max(size, Math.sqrt(size * volume), Math.sqrt(size * concurrency))
}

/** Scores every install of every feature against that feature's installs. Pure, for unit tests. */
export function scorePromptBombing(usage: UsageRow[], s: Pick<DetectionSettings, 'zAlert' | 'minRequests'>): PromptBombingResult {
  const byFeature = new Map<string, UsageRow[]>()
  for (const r of usage) {
    const key = `${r.tenant_id}\u0000${r.feature}`
    const list = byFeature.get(key) ?? []
    list.push(r)
    byFeature.set(key, list)
  }
  const rows: PromptBombingRow[] = []
  const concentration: FeatureConcentration[] = []
  for (const list of byFeature.values()) {
    const values = list.map(metricValues)
    const bands = Object.fromEntries(METRICS.map((m) => [m, logBand(values.map((v) => v[m]))])) as Record<Metric, LogBand>
    const costs = list.map((r) => r.cost_micros)
    const featureCost = costs.reduce((a, b) => a + b, 0)
    concentration.push({
      tenant_id: list[0].tenant_id, feature: list[0].feature, installs: list.length, cost_micros: featureCost,
      top1pct_share: topShare(costs, Math.max(1, Math.floor(list.length / 100))), top10_share: topShare(costs, 10),
    })
    const maxContext = logBand(list.map((r) => r.max_context_tokens)).band
    const quota = {
      tokens_per_minute: Math.ceil(bands.peak_tokens_per_minute.band.p99 * 1.2),
      max_context_tokens: Math.ceil(maxContext.p99 * 1.2),
      max_concurrent_streams: Math.max(2, Math.ceil(bands.concurrent_streams.band.p99) + 1),
    }
    const tooFew = list.length < MIN_FEATURE_INSTALLS
    list.forEach((r, i) => {
      if (r.requests < 2) return
      const v = values[i]
      const z = Object.fromEntries(METRICS.map((m) => [m, zFromLogBand(v[m], bands[m], MIN_SIGMA[m])])) as Record<Metric, number>
      const metrics = Object.fromEntries(METRICS.map((m) => [m, { value: v[m], band: bands[m].band, z: z[m] } satisfies ScoredMetric])) as PromptBombingRow['metrics']
      // A mean of few requests is weak evidence: shrink z below minRequests (2 huge requests can still alert).
      const score = tooFew ? 0 : zToScore(combinedZ(z) * Math.min(1, Math.sqrt(r.requests / s.minRequests)), s.zAlert)
      const reasons: string[] = []
      if (tooFew) reasons.push(`only ${list.length} installs used this feature in the window: too few to compare against (${MIN_FEATURE_INSTALLS} needed)`)
      for (const m of METRICS) {
        if (tooFew || z[m] < s.zAlert / 2) continue
        const ratio = v[m] / Math.max(1e-9, bands[m].band.median)
        reasons.push(`${m.replace(/_/g, ' ')} ${fmt(v[m])}, ${ratio.toFixed(1)}x the feature median (z ${z[m].toFixed(1)})`)
      }
      const share = featureCost > 0 ? r.cost_micros / featureCost : 0
      if (share >= 0.05 && reasons.length && !tooFew) reasons.push(`holds ${(share * 100).toFixed(1)}% of the feature's spend`)
      rows.push({
        tenant_id: r.tenant_id, install_id: r.install_id, feature: r.feature, score, severity: severityFor(score), reasons,
        requests: r.requests, active_minutes: r.active_minutes, cost_micros: r.cost_micros, spend_share: share,
        metrics, series: [], suggested_quota: quota,
      })
    })
  }
  rows.sort((a, b) => b.score - a.score || b.cost_micros - a.cost_micros)
  concentration.sort((a, b) => b.top1pct_share - a.top1pct_share)
  return { rows, concentration }
}

/** Scores every install active in the window ending at `now`; rows come without series (attachSeries). */
export async function scorePromptBombingWindow(
  store: Store, s: DetectionSettings, now: number, opts: { tenant?: string; fromMs?: number; live?: boolean } = {},
): Promise<PromptBombingResult> {
  const fromMs = opts.fromMs ?? now - s.windowMinutes * 60_000
  const params = { from: toSec(fromMs), to: toSec(now) + 1, tenant: opts.tenant ?? '' }
  const raw = await queryRows<Record<string, unknown>>(store, installUsageSql(store.database), params)
  const usage: UsageRow[] = raw.map((r) => ({
    tenant_id: String(r.tenant_id), feature: String(r.feature), install_id: String(r.install_id),
    active_minutes: num(r.active_minutes), requests: num(r.requests), streams: num(r.streams),
    prompt_tokens: num(r.prompt_tokens), completion_tokens: num(r.completion_tokens), cost_micros: num(r.cost_micros),
    peak_tokens_per_minute: num(r.peak_tokens_per_minute), max_context_tokens: num(r.max_context_tokens),
    max_completion_tokens: num(r.max_completion_tokens), peak_concurrency: num(r.peak_concurrency),
  }))
  if (opts.live) addOpenStreams(usage, openByInstallFeature(await openStreams(store, now, { tenant: opts.tenant })))
  return scorePromptBombing(usage, s)
}

/**
 * Streams still open count as requests of their install with the context
 * their progress report gives: a bomber's 100k-token stream is seen 30 s
 * after it opens, not when it closes minutes later. (A stream that closed in
 * the last OPEN_WITHIN_MS may be counted twice; its size is the same.)
 */
export function addOpenStreams(usage: UsageRow[], open: Map<string, { streams: number; context: number; maxContext: number }>): void {
  const index = new Map(usage.map((u) => [`${u.tenant_id}\u0000${u.feature}\u0000${u.install_id}`, u]))
  for (const [key, o] of open) {
    const u = index.get(key)
    if (u) {
      u.requests += o.streams
      u.streams += o.streams
      u.prompt_tokens += o.context
      u.max_context_tokens = Math.max(u.max_context_tokens, o.maxContext)
      u.peak_concurrency = Math.max(u.peak_concurrency, o.streams)
    } else {
      const [tenant_id, feature, install_id] = key.split('\u0000')
      usage.push({
        tenant_id, feature, install_id, active_minutes: 1, requests: o.streams, streams: o.streams, prompt_tokens: o.context, completion_tokens: 0,
        cost_micros: 0, peak_tokens_per_minute: o.context, max_context_tokens: o.maxContext, max_completion_tokens: 0, peak_concurrency: o.streams,
      })
    }
  }
}

/** Runs the prompt-bombing detector for the window ending at `now`. */
export async function detectPromptBombing(
  store: Store, s: DetectionSettings, now: number, opts: { tenant?: string; fromMs?: number; limit?: number } = {},
): Promise<PromptBombingResult> {
  const fromMs = opts.fromMs ?? now - s.windowMinutes * 60_000
  const result = await scorePromptBombingWindow(store, s, now, { tenant: opts.tenant, fromMs, live: opts.fromMs === undefined })
  if (opts.fromMs === undefined) {
    // Active installs per feature (last DETECT_WINDOW_MINUTES) for the group count, from the rows already read.
    const activeInstalls = new Map(result.concentration.map((c) => [`${c.tenant_id}\u0000${c.feature}`, c.installs]))
    mergeSequential(result, await detectSequentialBombing(store, s, now, { tenant: opts.tenant, activeInstalls }), s.zAlert)
  }
  const limit = opts.limit ?? 50
  // Series only for the rows anyone will look at: flagged ones and the top of the ranking.
  result.rows = result.rows.filter((r, i) => i < limit || r.score >= FINDING_MIN_SCORE)
  await attachSeries(store, result.rows, fromMs, now)
  return result
}

/** Fills each row's tokens-per-minute series over the window [fromMs, now]. */
export async function attachSeries(store: Store, rows: PromptBombingRow[], fromMs: number, now: number): Promise<void> {
  if (rows.length === 0) return
  const params = { from: toSec(fromMs), to: toSec(now) + 1 }
  const series = await queryRows<{ install_id: string; feature: string; t: number | string; tokens: number | string }>(
    store, installSeriesSql(store.database),
    { ...params, tenants: [...new Set(rows.map((r) => r.tenant_id))], installs: rows.map((r) => r.install_id) },
  )
  const byKey = new Map<string, SeriesPoint[]>()
  for (const p of series) {
    const key = `${p.install_id}\u0000${p.feature}`
    const list = byKey.get(key) ?? []
    list.push({ t: num(p.t), value: num(p.tokens) })
    byKey.set(key, list)
  }
  for (const r of rows) r.series = byKey.get(`${r.install_id}\u0000${r.feature}`) ?? []
}

const seqOf = (e: SequentialEvidence): NonNullable<PromptBombingRow['sequential']> => ({
  cusum: e.cusum, cusum_peak: e.cusum_peak, llr_total: e.llr_total, elevation_z: e.elevation_z, requests: e.requests,
  mean_context: e.mean_context, baseline_median: e.baseline_median, baseline_sigma: e.baseline_sigma, baseline_source: e.baseline_source, since: e.since,
})

/**
 * Folds the cumulative evidence into the window's rows: an install scores the
 * higher of its window z and its CUSUM z, and group findings are added as
 * rows of their own. Installs of features too small for the window detector
 * are scored here too: their baseline is the feature's own history, shrunk
 * towards the tenant's.
 */
export function mergeSequential(result: PromptBombingResult, seq: { evidence: SequentialEvidence[]; groups: BombingGroup[] }, zAlert: number): void {
  const byKey = new Map(result.rows.map((r) => [`${r.tenant_id}\u0000${r.feature}\u0000${r.install_id}`, r]))
  for (const e of seq.evidence) {
    const r = byKey.get(`${e.tenant_id}\u0000${e.feature}\u0000${e.install_id}`)
    if (!r) continue
    r.sequential = seqOf(e)
    const score = zToScore(cusumZ(e.cusum), zAlert)
    if (score <= r.score) continue
    r.score = score
    r.severity = severityFor(score)
    r.reasons = r.reasons.filter((x) => !x.startsWith('only '))
    r.reasons.unshift(`sustained: ${e.requests} requests averaging ${fmt(e.mean_context)} context tokens, ${(e.mean_context / Math.max(1, e.baseline_median)).toFixed(1)}x the feature's usual median of ${fmt(e.baseline_median)}; cumulative evidence z ${cusumZ(e.cusum).toFixed(1)}`)
  }
  result.groups = seq.groups.map((g) => {
    const lead = g.members.reduce((a, b) => (b.llr_total > a.llr_total ? b : a))
    const empty = { value: 0, band: { median: 0, mad: 0, p90: 0, p99: 0, n: 0 }, z: 0 }
    return {
      tenant_id: g.tenant_id, install_id: g.subject, feature: g.feature, score: g.score, severity: severityFor(g.score), reasons: g.reasons,
      requests: g.members.reduce((a, m) => a + m.requests, 0), active_minutes: 0, cost_micros: 0, spend_share: 0,
      metrics: { tokens_per_minute: empty, peak_tokens_per_minute: empty, context_tokens: { ...empty, value: lead.mean_context }, output_tokens: empty, concurrent_streams: empty },
      series: [], suggested_quota: { tokens_per_minute: 0, max_context_tokens: Math.ceil(lead.baseline_median * 3), max_concurrent_streams: 0 },
      sequential: seqOf(lead),
      group: { kind: g.kind, trait: g.trait, value: g.value, installs: g.installs, elevated: g.elevated },
      members: g.members.map((m) => m.install_id).sort().slice(0, 500),
    }
  })
}
