import { mad, median, MAD_TO_SIGMA } from './stats'
import type { BaselineKind } from './types'

export interface Baseline {
  kind: BaselineKind
  median: number
  mad: number
  samples: number
  description: string
}

export const NO_BASELINE: Baseline = { kind: 'none', median: 0, mad: 0, samples: 0, description: 'not enough history' }

/** Fewest samples a baseline needs: minutes for a recent-hours baseline, days for a seasonal one. */
export const MIN_MINUTE_SAMPLES = 10
export const MIN_SEASONAL_DAYS = 2

export function baselineOf(kind: BaselineKind, samples: number[], description: string): Baseline {
  const med = median(samples)
  return { kind, median: med, mad: mad(samples, med), samples: samples.length, description }
}

/**
 * z of a value above its baseline. The spread is floored at a share of the
 * median so that a very regular series (tiny MAD) does not call a 3% wobble
 * a 10σ event; seasonal baselines have only a few days, so their floor is wider.
 */
export function baselineZ(value: number, b: Baseline): number {
  if (b.kind === 'none' || b.median <= 0) return 0
  const floor = (b.kind === 'seasonal' ? 0.1 : 0.05) * b.median
  return (value - b.median) / Math.max(MAD_TO_SIGMA * b.mad, floor)
}

export interface MinutePoint {
  t: number
  requests: number
  cost: number
}

/** Request-weighted median of per-minute values (medians cannot be merged exactly; this is close for similar minutes). */
export function weightedMedian(points: { value: number; weight: number }[]): number {
  const s = points.filter((p) => p.weight > 0 && Number.isFinite(p.value)).sort((a, b) => a.value - b.value)
  const total = s.reduce((a, p) => a + p.weight, 0)
  let acc = 0
  for (const p of s) {
    acc += p.weight
    if (acc >= total / 2) return p.value
  }
  return 0
}

/** Cost per request of minutes with enough requests to be meaningful. */
export function cprSamples(points: Iterable<MinutePoint>, minRequests = 3): number[] {
  const out: number[] = []
  for (const p of points) if (p.requests >= minRequests) out.push(p.cost / p.requests)
  return out
}

/** Sums points by minute (e.g. all versions, or all versions but one). */
export function sumByMinute(points: Iterable<MinutePoint>): Map<number, MinutePoint> {
  const out = new Map<number, MinutePoint>()
  for (const p of points) {
    const cur = out.get(p.t) ?? { t: p.t, requests: 0, cost: 0 }
    cur.requests += p.requests
    cur.cost += p.cost
    out.set(p.t, cur)
  }
  return out
}
