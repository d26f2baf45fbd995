import { severityFor, type DetectionSettings } from './settings'
import { band, logBand, MIN_LOG_SIGMA, MIN_LOG_SIGMA_COUNT, topShare, zFromLogBand, zToScore, type LogBand } from './stats'
import type { FeatureConcentration, PromptBombingRow, ScoredMetric } from './types'

/** The window prompt-bombing test's pure part: metrics, bands, scores (prompt-bombing.ts reads the store). */
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
  /** The streams open now (addOpenStreams), also counted above: scored on their own too (scoreInstall). */
  open?: { streams: number; context: number }
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
  tokens_per_minute: MIN_LOG_SIGMA,
  peak_tokens_per_minute: MIN_LOG_SIGMA,
  context_tokens: MIN_LOG_SIGMA,
  output_tokens: MIN_LOG_SIGMA,
  concurrent_streams: MIN_LOG_SIGMA_COUNT,
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

/** A feature's population in the window: what each of its installs is scored against. */
export interface FeatureBands {
  installs: number
  cost_micros: number
  bands: Record<Metric, LogBand>
  max_context_p99: number
}

export function featureBands(list: UsageRow[]): FeatureBands {
  const columns = METRICS.map(() => new Float64Array(list.length))
  let cost = 0
  for (let i = 0; i < list.length; i++) {
    const v = metricValues(list[i])
    for (let j = 0; j < METRICS.length; j++) columns[j][i] = v[METRICS[j]]
    cost += list[i].cost_micros
  }
  return {
    installs: list.length,
    cost_micros: cost,
    bands: Object.fromEntries(METRICS.map((m, j) => [m, logBand(columns[j])])) as Record<Metric, LogBand>,
    max_context_p99: band(list.map((r) => r.max_context_tokens)).p99,
  }
}

/**
 * Fewest streams open at once for them to be scored as a sample of their own,
 * apart from the install's other requests in the window (a single request is
 * never scored, as in the window test).
 */
export const OPEN_SAMPLE_MIN_STREAMS = 2

/**
 * The size z of the streams an install has open now, judged apart from its
 * closed requests. The window test scores an install's mean request size, and
 * a mean dilutes: a bomber whose phone also sends its user's ordinary
 * requests (13 a minute on the 1,000 ev/s bench) showed 4 open 50k-200k
 * streams inside 208 requests averaging 2.7x the median (z 4.4, no alert
 * for 4 minutes), while a bomber with 70 ordinary requests averaged 8x
 * (alert at 60 s). The open streams are the install's requests of the last
 * minute, a sample as good as the window's: the same band, the same shrink
 * below `minRequests` (2 open streams need a raw z of 9.5, 4 of 6.7).
 * Two looks at one install at most double its chance alarm.
 */
function openSampleZ(r: UsageRow, fb: FeatureBands, minRequests: number): number {
  const o = r.open
  if (!o || o.streams < OPEN_SAMPLE_MIN_STREAMS || o.streams >= r.requests) return 0
  const z = zFromLogBand(o.context / o.streams, fb.bands.context_tokens, MIN_SIGMA.context_tokens)
  return Math.max(0, z) * Math.min(1, Math.sqrt(o.streams / minRequests))
}

/** Scores one install against its feature's bands; null for a single request (no mean to speak of). */
export function scoreInstall(r: UsageRow, fb: FeatureBands, s: Pick<DetectionSettings, 'zAlert' | 'minRequests'>): PromptBombingRow | null {
  if (r.requests < 2) return null
  const { bands } = fb
  const quota = {
    tokens_per_minute: Math.ceil(bands.peak_tokens_per_minute.band.p99 * 1.2),
    max_context_tokens: Math.ceil(fb.max_context_p99 * 1.2),
    max_concurrent_streams: Math.max(2, Math.ceil(bands.concurrent_streams.band.p99) + 1),
  }
  const tooFew = fb.installs < MIN_FEATURE_INSTALLS
  const v = metricValues(r)
  const z = Object.fromEntries(METRICS.map((m) => [m, zFromLogBand(v[m], bands[m], MIN_SIGMA[m])])) as Record<Metric, number>
  const metrics = Object.fromEntries(
    METRICS.map((m) => [m, { value: v[m], band: bands[m].band, z: z[m] } satisfies ScoredMetric]),
  ) as PromptBombingRow['metrics']
  // A mean of few requests is weak evidence: shrink z below minRequests (2 huge requests can still alert).
  const windowZ = combinedZ(z) * Math.min(1, Math.sqrt(r.requests / s.minRequests))
  const openZ = openSampleZ(r, fb, s.minRequests)
  const score = tooFew ? 0 : zToScore(Math.max(windowZ, openZ), s.zAlert)
  const reasons: string[] = []
  if (tooFew) reasons.push(`only ${fb.installs} installs used this feature in the window: too few to compare against (${MIN_FEATURE_INSTALLS} needed)`)
  else if (openZ > windowZ && openZ >= s.zAlert / 2 && r.open) {
    const mean = r.open.context / r.open.streams
    reasons.push(
      `${r.open.streams} streams open now averaging ${fmt(mean)} context tokens, ${(mean / Math.max(1e-9, bands.context_tokens.band.median)).toFixed(1)}x the feature median (z ${openZ.toFixed(1)}), judged apart from its other requests in the window`,
    )
  }
  for (const m of METRICS) {
    if (tooFew || z[m] < s.zAlert / 2) continue
    const ratio = v[m] / Math.max(1e-9, bands[m].band.median)
    reasons.push(`${m.replace(/_/g, ' ')} ${fmt(v[m])}, ${ratio.toFixed(1)}x the feature median (z ${z[m].toFixed(1)})`)
  }
  const share = fb.cost_micros > 0 ? r.cost_micros / fb.cost_micros : 0
  if (share >= 0.05 && reasons.length && !tooFew) reasons.push(`holds ${(share * 100).toFixed(1)}% of the feature's spend`)
  return {
    tenant_id: r.tenant_id,
    install_id: r.install_id,
    feature: r.feature,
    score,
    severity: severityFor(score),
    reasons,
    requests: r.requests,
    active_minutes: r.active_minutes,
    cost_micros: r.cost_micros,
    spend_share: share,
    metrics,
    series: [],
    suggested_quota: quota,
  }
}

export const byScore = (a: PromptBombingRow, b: PromptBombingRow) => b.score - a.score || b.cost_micros - a.cost_micros

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
    const fb = featureBands(list)
    const costs = list.map((r) => r.cost_micros)
    concentration.push({
      tenant_id: list[0].tenant_id,
      feature: list[0].feature,
      installs: list.length,
      cost_micros: fb.cost_micros,
      top1pct_share: topShare(costs, Math.max(1, Math.floor(list.length / 100))),
      top10_share: topShare(costs, 10),
    })
    for (const r of list) {
      const row = scoreInstall(r, fb, s)
      if (row) rows.push(row)
    }
  }
  rows.sort(byScore)
  concentration.sort((a, b) => b.top1pct_share - a.top1pct_share)
  return { rows, concentration }
}

/** Score of CANDIDATE_SCORE_Z·zAlert is 22, just under FINDING_MIN_SCORE (25 at 0.644·zAlert): no finding is cut. */
export const CANDIDATE_SCORE_Z = 0.6

export function scoreAgainst(usage: UsageRow[], bands: Map<string, FeatureBands>, s: DetectionSettings): PromptBombingRow[] {
  const rows: PromptBombingRow[] = []
  for (const u of usage) {
    const fb = bands.get(`${u.tenant_id}\u0000${u.feature}`)
    const row = fb && scoreInstall(u, fb, s)
    if (row) rows.push(row)
  }
  return rows.sort(byScore)
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
      u.open = { streams: o.streams, context: o.context }
      u.requests += o.streams
      u.streams += o.streams
      u.prompt_tokens += o.context
      u.max_context_tokens = Math.max(u.max_context_tokens, o.maxContext)
      u.peak_concurrency = Math.max(u.peak_concurrency, o.streams)
    } else {
      const [tenant_id, feature, install_id] = key.split('\u0000')
      usage.push({
        tenant_id,
        feature,
        install_id,
        active_minutes: 1,
        requests: o.streams,
        streams: o.streams,
        prompt_tokens: o.context,
        completion_tokens: 0,
        cost_micros: 0,
        peak_tokens_per_minute: o.context,
        max_context_tokens: o.maxContext,
        max_completion_tokens: 0,
        peak_concurrency: o.streams,
        open: { streams: o.streams, context: o.context },
      })
    }
  }
}
