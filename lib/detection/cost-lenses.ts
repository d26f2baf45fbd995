import { baselineOf, baselineZ, weightedMedian, MIN_MINUTE_SAMPLES } from './cost-baselines'
import type { SeasonalDay, VersionMinute } from './cost-anomalies'
import { severityFor, type DetectionSettings } from './settings'
import { zToScore } from './stats'
import type { CostAnomalyRow } from './types'

/** Helpers of the cost detector (cost-anomalies.ts), moved out unchanged: the median-request lens, seasonal days per feature, the model-mix reason. */
export type CostSettings = Pick<
  DetectionSettings,
  'zAlert' | 'costMinRatio' | 'costMinRequests' | 'costWindowMinutes' | 'costSustainedMinutes' | 'costSustainedMinRatio'
>
type Settings = CostSettings

/**
 * Second lens on a version: its median request size against the other
 * versions' per-minute medians. Mean cost per request moves when a handful of
 * abusive installs share the peers' version (their cost lands in the
 * baseline); the median request does not, while a release that re-sends
 * history moves it for every user. Alerts only if cost per request rose too.
 */
export function typicalRequestLens(r: CostAnomalyRow, mine: VersionMinute[], peers: VersionMinute[], s: Settings): void {
  const samples = peers.filter((m) => m.requests >= 3 && m.median_context).map((m) => m.median_context!)
  if (samples.length < MIN_MINUTE_SAMPLES) return
  const b = baselineOf('recent_hours', samples, 'median context of other app versions, per minute')
  const current = weightedMedian(mine.map((m) => ({ value: m.median_context ?? 0, weight: m.requests })))
  const z = baselineZ(current, b)
  const ratio = b.median > 0 ? current / b.median : 0
  r.typical_request = { median_context_tokens: current, baseline_median: b.median, ratio, z }
  if (!(r.requests >= s.costMinRequests && ratio >= s.costMinRatio && r.ratio >= Math.sqrt(s.costMinRatio))) return
  const score = zToScore(z, s.zAlert)
  if (score <= r.score) return
  r.score = score
  r.severity = severityFor(score)
  r.reasons.push(
    `median request context ${Math.round(current)} tokens, ${ratio.toFixed(2)}x other versions (z ${z.toFixed(1)}): the typical request grew, not a few outliers`,
  )
}

/** Seasonal days of a feature summed over its models. */
export function seasonalByFeature(seasonal: SeasonalDay[], tenant: string, feature: string): SeasonalDay[] {
  const byDay = new Map<number, SeasonalDay>()
  for (const d of seasonal) {
    if (d.tenant_id !== tenant || d.feature !== feature) continue
    const cur = byDay.get(d.day) ?? { ...d, model: '*', requests: 0, cost: 0 }
    cur.requests += d.requests
    cur.cost += d.cost
    byDay.set(d.day, cur)
  }
  return [...byDay.values()]
}

/** "model mix shifted: gpt-4o 80% of requests now, 5% before" when a model's share grew by 20 points or more. */
export function modelShift(recent: Map<string, number>, past: Map<string, number>): string | null {
  const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0)
  const rt = total(recent)
  const pt = total(past)
  if (!rt || !pt) return null
  let best: [string, number, number] | null = null
  for (const model of new Set([...recent.keys(), ...past.keys()])) {
    const now = (recent.get(model) ?? 0) / rt
    const before = (past.get(model) ?? 0) / pt
    if (now - before >= 0.2 && (!best || now - before > best[1] - best[2])) best = [model, now, before]
  }
  return best ? `model mix shifted: ${best[0]} ${(best[1] * 100).toFixed(0)}% of requests now, ${(best[2] * 100).toFixed(0)}% before` : null
}
