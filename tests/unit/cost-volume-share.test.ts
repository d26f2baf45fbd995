import { describe, expect, it } from 'vitest'
import type { VersionMinute } from '../../lib/detection/cost-anomalies'
import { scoreVolumeShare, type ActiveInstallMinute } from '../../lib/detection/cost-volume-share'
import { DEFAULT_DETECTION_SETTINGS } from '../../lib/detection/settings'
import { Rng } from '../../lib/simulator/random'

const S = { ...DEFAULT_DETECTION_SETTINGS, costWindowMinutes: 5 }
const now = Date.parse('2026-12-01T12:00:30Z')
const MIN = 60_000

/**
 * Two hours of a tenant with three features, per minute. Each feature's
 * active installs are Poisson around its usual count times `busy(t)` (the
 * daily curve, a holiday: every feature together) and `people(feature, t)`
 * (more or fewer people on one feature); each active install calls 1.5
 * times a minute on average, times `perInstall(feature, t)` (a retry loop, a
 * polling screen: the same people calling more).
 */
function tenant(
  busy: (t: number) => number,
  people: (f: string, t: number) => number,
  seed = 1,
  perInstall: (f: string, t: number) => number = () => 1,
): { minutes: VersionMinute[]; installs: ActiveInstallMinute[] } {
  const rng = new Rng(seed)
  const rates: Record<string, number> = { chat: 150, summarize: 50, translate: 20 }
  const minutes: VersionMinute[] = []
  const installs: ActiveInstallMinute[] = []
  for (let t = now - 120 * MIN - (now % MIN); t <= now; t += MIN) {
    for (const [feature, rate] of Object.entries(rates)) {
      const active = rng.poisson((rate / 1.5) * busy(t) * people(feature, t))
      const requests = active ? rng.poisson(active * 1.5 * perInstall(feature, t)) : 0
      if (!requests) continue
      minutes.push({ tenant_id: 'acme', feature, model: 'm', app_version: '1.0', t, requests, cost: requests * 500 })
      installs.push({ tenant_id: 'acme', feature, t, installs: active })
    }
  }
  return { minutes, installs }
}
const score = (x: ReturnType<typeof tenant>, hasSeasonal: (t: string, f: string) => boolean = noSeasonal) =>
  scoreVolumeShare(x.minutes, hasSeasonal, now, S, x.installs)

const noSeasonal = () => false
const alerted = (rows: ReturnType<typeof scoreVolumeShare>) => rows.filter((r) => r.severity).map((r) => r.subject)

const tripledPerInstall = (seed = 1) =>
  tenant(
    () => 1,
    () => 1,
    seed,
    (f, t) => (f === 'summarize' && t >= now - 6 * MIN ? 3 : 1),
  )

describe('a feature whose calls grow alone (volume share lens)', () => {
  it("alerts when one feature's installs each call three times as often, with the same cost per call", () => {
    const rows = score(tripledPerInstall())
    expect(alerted(rows)).toEqual(['acme/summarize'])
    const r = rows.find((x) => x.subject === 'acme/summarize')!
    expect(r.kind).toBe('spend_rate')
    expect(r.ratio).toBeGreaterThan(2)
    expect(r.reasons[0]).toMatch(/usual share of acme's calls/)
    expect(r.reasons[0]).toMatch(/x its calls per active install-minute: spend grew with volume/)
  })

  it('spares a peak of people on one feature (an evening): more active installs, each calling as before', () => {
    const evening = (f: string, t: number) => (f === 'summarize' && t >= now - 8 * MIN ? 2.7 : 1)
    for (let seed = 1; seed <= 5; seed++) {
      const x = tenant(() => 1, evening, seed)
      const rows = score(x)
      const r = rows.find((y) => y.subject === 'acme/summarize')!
      // Share and calls rose past the line; only the calls per active install did not.
      expect(r.ratio).toBeGreaterThan(S.costMinRatio)
      expect(alerted(rows)).toEqual([])
      expect(r.reasons[0]).toMatch(/more installs are active, each calling as before/)
      // The first pass, installs unread, names it: the installs are read because of it.
      expect(alerted(scoreVolumeShare(x.minutes, noSeasonal, now, S))).toEqual(['acme/summarize'])
    }
  })

  it('spares a rise of every feature together (a holiday, the daily curve)', () => {
    const holiday = (t: number) => (t >= now - 20 * MIN ? 2.5 : 1)
    const morning = (t: number) => 1 + (2 * (t - (now - 120 * MIN))) / (120 * MIN)
    for (const busy of [holiday, morning]) expect(alerted(score(tenant(busy, () => 1)))).toEqual([])
  })

  it("spares a share that rose because the tenant's other features fell (their provider is down)", () => {
    const rows = score(
      tenant(
        () => 1,
        () => 1,
        1,
        (f, t) => (f !== 'translate' && t >= now - 6 * MIN ? 0.2 : 1),
      ),
    )
    expect(rows.find((r) => r.subject === 'acme/translate')!.ratio).toBeGreaterThan(1.5)
    expect(alerted(rows)).toEqual([])
  })

  it('leaves a feature with a seasonal baseline to the seasonal spend check, and is quiet on ordinary traffic', () => {
    expect(alerted(score(tripledPerInstall(), (_t, f) => f === 'summarize'))).toEqual([])
    for (let seed = 1; seed <= 20; seed++)
      expect(
        alerted(
          score(
            tenant(
              () => 1,
              () => 1,
              seed,
            ),
          ),
        ),
      ).toEqual([])
  })
})
