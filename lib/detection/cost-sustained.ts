import { baselineOf, sumByMinute, MIN_MINUTE_SAMPLES, type Baseline, type MinutePoint } from './cost-baselines'
import type { VersionMinute } from './cost-anomalies'
import type { DetectionSettings } from './settings'
import { MAD_TO_SIGMA, zToScore } from './stats'
import type { CostAnomalyRow } from './types'

/**
 * Sustained tier of the cost per request checks (version and feature rows of
 * cost-anomalies.ts). The 5-minute checks need 1.5x (`DETECT_COST_MIN_RATIO`):
 * five minutes of one feature's requests are too few to tell a 1.3x rise from
 * their own noise and from a busy minute's mix. A finance reader still wants a
 * 30 % rise that holds for half an hour flagged, whatever caused it (longer
 * answers in a release, a context that creeps up).
 *
 * Statistic: the subject's cost per request pooled over the last
 * `DETECT_COST_SUSTAINED_MINUTES` (Σ cost / Σ requests) against the same
 * pooled figure of every run of as many minutes in the baseline series
 * (median/MAD of the runs). Runs measure the spread at the window's own time
 * scale, request noise and the slow drift of the day's mix together, so no
 * per-minute spread has to be scaled by an independence assumption. The
 * spread is floored at `SPREAD_FLOOR` of the median: overlapping runs are
 * correlated, and a few hours of them can agree by chance. A warning is raised
 * when the pooled ratio ≥ `DETECT_COST_SUSTAINED_MIN_RATIO`, z ≥ `DETECT_Z_ALERT`,
 * ≥ `DETECT_COST_MIN_REQUESTS` requests in the window, **and each half of the
 * window on its own is at or above the ratio line**: a rise that holds, not one
 * spike averaged over the window (a spike of 1.5x or more is the 5-minute check's).
 * The score is capped under critical: the tier speaks for a smaller change.
 */
export type SustainedSettings = Pick<DetectionSettings, 'zAlert' | 'costMinRequests' | 'costSustainedMinutes' | 'costSustainedMinRatio'>

/** Smallest spread of the runs' cost per request, as a share of their median. */
export const SPREAD_FLOOR = 0.025
/** Highest score of the tier: a warning (severityFor: critical from 90). */
const WARNING_SCORE_CAP = 89.9

export interface SustainedRise {
  ratio: number
  z: number
  /** Pooled cost per request of the window's first and second half, over the baseline median. */
  halves: [number, number]
  requests: number
  current: number
  baseline: Baseline
}

/** Pooled cost per request of every run of `span` minutes ending before `before` with at least `minRequests` requests. */
export function runCostPerRequest(points: Iterable<MinutePoint>, span: number, before: number, minRequests: number): number[] {
  const byMinute = sumByMinute(points)
  if (!byMinute.size) return []
  const first = Math.min(...byMinute.keys())
  const out: number[] = []
  let requests = 0
  let cost = 0
  // A sliding sum over the minutes: add the minute that enters, drop the one that leaves.
  for (let t = first; t < before; t += 60_000) {
    const enter = byMinute.get(t)
    const leave = byMinute.get(t - span * 60_000)
    requests += (enter?.requests ?? 0) - (leave?.requests ?? 0)
    cost += (enter?.cost ?? 0) - (leave?.cost ?? 0)
    if (t >= first + (span - 1) * 60_000 && requests >= minRequests) out.push(cost / requests)
  }
  return out
}

/** The window's rise against a baseline of runs, or null when there is no baseline or no request in the window. */
export function sustainedRise(mine: MinutePoint[], runs: number[], description: string, now: number, s: SustainedSettings): SustainedRise | null {
  if (runs.length < MIN_MINUTE_SAMPLES) return null
  const baseline = baselineOf('recent_hours', runs, description)
  if (baseline.median <= 0) return null
  const from = Math.floor((now - s.costSustainedMinutes * 60_000) / 60_000) * 60_000
  const mid = from + Math.floor(s.costSustainedMinutes / 2) * 60_000
  const pool = (a: number, b: number) => {
    const inside = mine.filter((m) => m.t >= a && m.t < b)
    const requests = inside.reduce((x, m) => x + m.requests, 0)
    return { requests, cost: inside.reduce((x, m) => x + m.cost, 0) }
  }
  const all = pool(from, Infinity)
  if (!all.requests) return null
  const first = pool(from, mid)
  const second = pool(mid, Infinity)
  const current = all.cost / all.requests
  const half = (p: { requests: number; cost: number }) => (p.requests ? p.cost / p.requests / baseline.median : 0)
  return {
    ratio: current / baseline.median,
    z: (current - baseline.median) / Math.max(MAD_TO_SIGMA * baseline.mad, SPREAD_FLOOR * baseline.median),
    halves: [half(first), half(second)],
    requests: all.requests,
    current,
    baseline,
  }
}

/**
 * Records the tier's evidence on a cost per request row and raises it to a
 * warning when the rise is sustained and the 5-minute check has not already
 * raised it higher.
 */
export function applySustained(
  r: CostAnomalyRow,
  rise: SustainedRise | null,
  what: string,
  against: 'own_past' | 'other_versions',
  s: SustainedSettings,
): void {
  if (!rise) return
  const line = s.costSustainedMinRatio
  const eligible = rise.requests >= s.costMinRequests && rise.ratio >= line && rise.halves[0] >= line && rise.halves[1] >= line
  r.sustained = {
    minutes: s.costSustainedMinutes,
    ratio: rise.ratio,
    z: rise.z,
    halves: rise.halves,
    baseline_median: rise.baseline.median,
    against,
    decided: false,
  }
  if (!eligible) return
  const score = Math.min(WARNING_SCORE_CAP, zToScore(rise.z, s.zAlert))
  if (score <= r.score) return
  r.score = score
  r.severity = score >= 50 ? 'warning' : null
  r.sustained.decided = r.severity !== null
  r.reasons.push(
    `${what} ${rise.ratio.toFixed(2)}x over the last ${s.costSustainedMinutes} min (halves ${rise.halves[0].toFixed(2)}x and ${rise.halves[1].toFixed(2)}x, z ${rise.z.toFixed(1)}): ` +
      `a rise that holds, smaller than the 5-minute check's line; baseline: ${rise.baseline.description}`,
  )
}

/**
 * The sustained tier on a version row. A version with a past of its own is
 * judged against it, unless the other versions rose with it (a rise every
 * version shares is the feature's, and its row carries it: one cause, one
 * alert); a young version, with no such past, against the other versions.
 */
export function sustainedVersion(r: CostAnomalyRow, list: VersionMinute[], v: string, sustainedFrom: number, now: number, s: SustainedSettings): void {
  const span = s.costSustainedMinutes
  const mine = list.filter((m) => m.app_version === v)
  const others = list.filter((m) => m.app_version !== v)
  const ownRuns = runCostPerRequest(mine, span, sustainedFrom, s.costMinRequests)
  if (ownRuns.length < MIN_MINUTE_SAMPLES) {
    const peerRuns = runCostPerRequest(others, span, now + 1, s.costMinRequests)
    const rise = sustainedRise(mine, peerRuns, `other app versions of ${r.feature}/${r.model}, every ${span} minutes of the previous hours`, now, s)
    applySustained(r, rise, `cost per request of v${v}`, 'other_versions', s)
    return
  }
  const othersRise = sustainedRise(others, runCostPerRequest(others, span, sustainedFrom, s.costMinRequests), '', now, s)
  // Half the line on the log scale: the others moved with this version, not merely wobbled.
  if (othersRise && othersRise.ratio >= Math.sqrt(s.costSustainedMinRatio)) return
  applySustained(r, sustainedRise(mine, ownRuns, `this version's own ${span}-minute runs, previous hours`, now, s), `cost per request of v${v}`, 'own_past', s)
}
