import { describe, expect, it } from 'vitest'
import type { VersionMinute } from '../../lib/detection/cost-anomalies'
import { scoreVolumeShare } from '../../lib/detection/cost-volume-share'
import { DEFAULT_DETECTION_SETTINGS } from '../../lib/detection/settings'
import { Rng } from '../../lib/simulator/random'

const S = { ...DEFAULT_DETECTION_SETTINGS, costWindowMinutes: 5 }
const now = Date.parse('2026-12-01T12:00:30Z')
const MIN = 60_000

/**
 * Two hours of a tenant with three features, per minute, Poisson calls at a
 * tenant-wide rate that follows `busy(t)` (the daily curve, a holiday) and
 * per-feature multipliers `extra(feature, t)` (what one feature alone does).
 */
function tenant(busy: (t: number) => number, extra: (f: string, t: number) => number, seed = 1): VersionMinute[] {
  const rng = new Rng(seed)
  const rates: Record<string, number> = { chat: 60, summarize: 20, translate: 8 }
  const out: VersionMinute[] = []
  for (let t = now - 120 * MIN - (now % MIN); t <= now; t += MIN) {
    for (const [feature, rate] of Object.entries(rates)) {
      const requests = rng.poisson(rate * busy(t) * extra(feature, t))
      if (requests) out.push({ tenant_id: 'acme', feature, model: 'm', app_version: '1.0', t, requests, cost: requests * 500 })
    }
  }
  return out
}

const noSeasonal = () => false
const alerted = (rows: ReturnType<typeof scoreVolumeShare>) => rows.filter((r) => r.severity).map((r) => r.subject)

describe('a feature whose calls grow alone (volume share lens)', () => {
  it("alerts when one feature's calls triple with the same cost per call", () => {
    const rows = scoreVolumeShare(
      tenant(
        () => 1,
        (f, t) => (f === 'summarize' && t >= now - 6 * MIN ? 3 : 1),
      ),
      noSeasonal,
      now,
      S,
    )
    expect(alerted(rows)).toEqual(['acme/summarize'])
    const r = rows.find((x) => x.subject === 'acme/summarize')!
    expect(r.kind).toBe('spend_rate')
    expect(r.ratio).toBeGreaterThan(2)
    expect(r.reasons[0]).toMatch(/usual share of acme's calls/)
  })

  it('spares a rise of every feature together (a holiday, the daily curve)', () => {
    const holiday = (t: number) => (t >= now - 20 * MIN ? 2.5 : 1)
    const morning = (t: number) => 1 + (2 * (t - (now - 120 * MIN))) / (120 * MIN)
    for (const busy of [holiday, morning])
      expect(
        alerted(
          scoreVolumeShare(
            tenant(busy, () => 1),
            noSeasonal,
            now,
            S,
          ),
        ),
      ).toEqual([])
  })

  it("spares a share that rose because the tenant's other features fell (their provider is down)", () => {
    const rows = scoreVolumeShare(
      tenant(
        () => 1,
        (f, t) => (f !== 'translate' && t >= now - 6 * MIN ? 0.2 : 1),
      ),
      noSeasonal,
      now,
      S,
    )
    expect(rows.find((r) => r.subject === 'acme/translate')!.ratio).toBeGreaterThan(1.5)
    expect(alerted(rows)).toEqual([])
  })

  it('leaves a feature with a seasonal baseline to the seasonal spend check, and is quiet on ordinary traffic', () => {
    const tripled = tenant(
      () => 1,
      (f, t) => (f === 'summarize' && t >= now - 6 * MIN ? 3 : 1),
    )
    expect(alerted(scoreVolumeShare(tripled, (_t, f) => f === 'summarize', now, S))).toEqual([])
    for (let seed = 1; seed <= 20; seed++)
      expect(
        alerted(
          scoreVolumeShare(
            tenant(
              () => 1,
              () => 1,
              seed,
            ),
            noSeasonal,
            now,
            S,
          ),
        ),
      ).toEqual([])
  })
})
