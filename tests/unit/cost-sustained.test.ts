import { describe, expect, it } from 'vitest'
import { scoreCostAnomalies, type VersionMinute } from '../../lib/detection/cost-anomalies'
import { runCostPerRequest } from '../../lib/detection/cost-sustained'
import { costFindings } from '../../lib/detection/detect-all'
import { DEFAULT_DETECTION_SETTINGS } from '../../lib/detection/settings'
import { Rng } from '../../lib/simulator/random'

const S = { ...DEFAULT_DETECTION_SETTINGS, costWindowMinutes: 5, costSustainedMinutes: 20, costSustainedMinRatio: 1.2 }
const MIN = 60_000
const now = Date.parse('2026-12-01T12:00:30Z')
const HISTORY_MIN = 180

/**
 * Three hours of one feature on one model, per minute and app version:
 * Poisson requests, each request's cost lognormal around 1,000 micros
 * (σ 0.6, about what a chat feature's sizes spread). `factor(version, age)`
 * scales a version's cost per request `age` minutes before now; `rates` sets
 * each version's requests per minute (0 before it exists).
 */
function traffic(factor: (v: string, age: number) => number, rates: (v: string, age: number) => number, seed = 1): VersionMinute[] {
  const rng = new Rng(seed)
  const out: VersionMinute[] = []
  for (let age = HISTORY_MIN; age >= 0; age--) {
    const t = Math.floor((now - age * MIN) / MIN) * MIN
    for (const v of ['1.0', '1.1', '1.2']) {
      const requests = rng.poisson(rates(v, age))
      if (!requests) continue
      let cost = 0
      for (let i = 0; i < requests; i++) cost += rng.lognormal(1000, 0.6) * factor(v, age)
      out.push({ tenant_id: 't', feature: 'chat', model: 'm', app_version: v, t, requests, cost: Math.round(cost) })
    }
  }
  return out
}

/** Versions 1.0 and 1.1 all along; 1.2 released `releasedAgo` minutes ago (none when 0). */
const rollout =
  (releasedAgo = 0) =>
  (v: string, age: number) =>
    v === '1.2' ? (age < releasedAgo ? 15 : 0) : 30
const alerted = (rows: ReturnType<typeof scoreCostAnomalies>) => rows.filter((r) => r.severity).map((r) => `${r.subject} ${r.severity}`)

describe('the sustained tier of the cost per request checks', () => {
  it('raises a release whose cost per request is 1.3x for 25 minutes, as a warning, where the 5-minute check needs 1.5x', () => {
    const rows = scoreCostAnomalies(
      traffic((v) => (v === '1.2' ? 1.3 : 1), rollout(25)),
      [],
      now,
      S,
    )
    const release = rows.find((r) => r.subject === 't/chat/1.2')!
    expect(release.ratio).toBeLessThan(S.costMinRatio)
    expect(release.sustained!.decided).toBe(true)
    expect(release.sustained!.ratio).toBeGreaterThan(1.2)
    expect(release.reasons.join(' ')).toMatch(/over the last 20 min \(halves/)
    // One cause, one alert: the feature row, all versions together, is explained by the version.
    expect(alerted(rows)).toEqual(['t/chat/1.2 warning'])
    const finding = costFindings(rows).find((f) => f.subject === 't/chat/1.2')!
    expect(finding.title).toMatch(/cost per request of t\/chat\/1\.2 at 1\.\d\dx baseline, held over 20 min/)
  })

  it('waits until the release has held the rise over both halves of the window', () => {
    const rows = scoreCostAnomalies(
      traffic((v) => (v === '1.2' ? 1.3 : 1), rollout(8)),
      [],
      now,
      S,
    )
    const release = rows.find((r) => r.subject === 't/chat/1.2')!
    expect(release.sustained!.halves[0]).toBe(0)
    expect(alerted(rows)).toEqual([])
  })

  it('raises a creep of every version (1x to 1.4x over an hour) once, on the feature row', () => {
    const creep = (_v: string, age: number) => (age >= 60 ? 1 : 1 + (0.4 * (60 - age)) / 60)
    const rows = scoreCostAnomalies(traffic(creep, rollout()), [], now, S)
    expect(alerted(rows)).toEqual(['t/chat warning'])
    expect(rows.find((r) => r.subject === 't/chat')!.ratio).toBeLessThan(S.costMinRatio)
  })

  it('spares a short spike under the 5-minute line, averaged over the window (its first half did not rise)', () => {
    const spike = (_v: string, age: number) => (age < 6 ? 1.45 : 1)
    const rows = scoreCostAnomalies(traffic(spike, rollout()), [], now, S)
    const feature = rows.find((r) => r.subject === 't/chat')!
    expect(feature.sustained!.halves[0]).toBeLessThan(1.1)
    expect(alerted(rows)).toEqual([])
  })

  it('judges a version with a past of its own against that past: an old version that always cost 1.3x its peers is no change', () => {
    const heavier = (v: string) => (v === '1.0' ? 1.3 : 1)
    expect(alerted(scoreCostAnomalies(traffic(heavier, rollout()), [], now, S))).toEqual([])
  })

  it('is quiet on ordinary traffic and on a sustained 10 % rise, over 20 seeds', () => {
    for (let seed = 1; seed <= 20; seed++) {
      expect(
        alerted(
          scoreCostAnomalies(
            traffic(() => 1, rollout(), seed),
            [],
            now,
            S,
          ),
        ),
      ).toEqual([])
      const tenPercent = (_v: string, age: number) => (age < 30 ? 1.1 : 1)
      expect(alerted(scoreCostAnomalies(traffic(tenPercent, rollout(), seed), [], now, S))).toEqual([])
    }
  })
})

describe('runCostPerRequest', () => {
  it('pools each run of span minutes ending before the cut, skipping runs with too few requests', () => {
    const pts = [0, 1, 2, 3].map((i) => ({ t: i * MIN, requests: 10, cost: 10 * (i + 1) }))
    // Runs of 2 minutes ending at minutes 1, 2 (minute 3 is at the cut): (1+2)/2, (2+3)/2.
    expect(runCostPerRequest(pts, 2, 3 * MIN, 20)).toEqual([1.5, 2.5])
    expect(runCostPerRequest(pts, 2, 3 * MIN, 21)).toEqual([])
  })
})
