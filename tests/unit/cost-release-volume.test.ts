import { describe, expect, it } from 'vitest'
import { applyReleaseVolumes, releaseVolumes, youngVersions, type InstallFeatureMinute, type SwitchedInstall } from '../../lib/detection/cost-release-volume'
import type { VersionMinute } from '../../lib/detection/cost-anomalies'
import { DEFAULT_DETECTION_SETTINGS as S } from '../../lib/detection/settings'
import type { CostAnomalyRow } from '../../lib/detection/types'

const MIN = 60_000
const now = 1_800_000_000_000

/**
 * `n` installs of acme move to 5.1.0 `movedAgo` minutes before now. Before the
 * move each is active every `every` minutes with `perMinute` requests (heavy
 * users: more); after it, the same, times `lift` (a release that sends calls twice: 2).
 */
function movers(n: number, lift: number, opts: { perMinute?: (i: number) => number; every?: number; movedAgo?: number; offset?: number } = {}) {
  const switched: SwitchedInstall[] = []
  const minutes: InstallFeatureMinute[] = []
  const movedAt = now - (opts.movedAgo ?? 15) * MIN
  for (let i = 0; i < n; i++) {
    const id = `i-${(opts.offset ?? 0) + i}`
    const per = opts.perMinute?.(i) ?? 1
    switched.push({ tenant_id: 'acme', app_version: '5.1.0', install_id: id, switched_at: movedAt + (i % 7) * 1_000 })
    for (let t = now - 100 * MIN + (i % 3) * MIN; t < now; t += (opts.every ?? 3) * MIN) {
      const after = t >= Math.floor(movedAt / MIN) * MIN
      minutes.push({ install_id: id, feature: 'chat', t, requests: after ? Math.round(per * lift) : per })
      // Another feature the release did not touch.
      if (i % 2) minutes.push({ install_id: id, feature: 'summarize', t, requests: 1 })
    }
  }
  return { switched, minutes }
}

function versionRow(): CostAnomalyRow {
  return {
    kind: 'cost_per_request',
    subject: 'acme/chat/5.1.0',
    subject_kind: 'feature',
    tenant_id: 'acme',
    feature: 'chat',
    model: 'gpt-4o-mini',
    app_version: '5.1.0',
    score: 5,
    severity: null,
    reasons: [],
    current: 100,
    expected: 100,
    ratio: 1,
    z: 0,
    requests: 400,
    cost_micros: 40_000,
    baseline: { kind: 'recent_hours', median: 100, mad: 5, samples: 300, description: 'other versions' },
    series: [],
  }
}

describe('release volume lens (cost-release-volume.ts)', () => {
  it('raises a release whose movers send twice the requests per active minute, and not the features it left alone', () => {
    const { switched, minutes } = movers(40, 2)
    const vols = releaseVolumes(switched, minutes, now)
    const chat = vols.find((v) => v.feature === 'chat')!
    expect(chat.installs).toBe(40)
    expect(chat.ratio).toBeCloseTo(2, 5)
    expect(vols.find((v) => v.feature === 'summarize')!.ratio).toBeCloseTo(1, 5)
    const row = versionRow()
    applyReleaseVolumes([row], vols, S)
    expect(row.severity).not.toBeNull()
    expect(row.release_volume?.decided).toBe(true)
    expect(row.reasons.join(' ')).toContain('requests per install 2.00x')
  })

  it('an honest release adopted first by heavy users (8 requests a minute where others send 1) raises nothing', () => {
    const { switched, minutes } = movers(60, 1, { perMinute: (i) => (i < 20 ? 8 : 1) })
    const row = versionRow()
    applyReleaseVolumes([row], releaseVolumes(switched, minutes, now), S)
    expect(row.severity).toBeNull()
    expect(row.release_volume?.ratio).toBeCloseTo(1, 5)
  })

  it('installs that start on the new version have no past to compare with and are not counted', () => {
    const { switched, minutes } = movers(30, 2, { movedAgo: 150 })
    expect(releaseVolumes(switched, minutes, now)).toEqual([])
  })

  it('needs DETECT_COST_VOLUME_MIN_INSTALLS movers: a doubling on a handful of installs is not enough', () => {
    const { switched, minutes } = movers(S.costVolumeMinInstalls - 1, 2)
    const row = versionRow()
    applyReleaseVolumes([row], releaseVolumes(switched, minutes, now), S)
    expect(row.severity).toBeNull()
    expect(row.release_volume?.installs).toBe(S.costVolumeMinInstalls - 1)
  })

  it('a version is young when it first carries requests a cost window after its feature did', () => {
    const m = (app_version: string, t: number): VersionMinute => ({ tenant_id: 'acme', feature: 'chat', model: 'm', app_version, t, requests: 10, cost: 100 })
    const minutes: VersionMinute[] = []
    for (let t = now - 60 * MIN; t < now; t += MIN) minutes.push(m('5.0.0', t), m('4.9.0', t + 2 * MIN))
    for (let t = now - 20 * MIN; t < now; t += MIN) minutes.push(m('5.1.0', t))
    expect(youngVersions(minutes, now, S).map((v) => v.app_version)).toEqual(['5.1.0'])
  })
})
