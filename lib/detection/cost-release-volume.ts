import type { Store } from '../clickhouse/client'
import { selectRows } from '../clickhouse/select'
import { appendTo } from './collect'
import type { VersionMinute } from './cost-anomalies'
import { num, toSec } from './query'
import { severityFor, type DetectionSettings } from './settings'
import { releaseCandidatesSql, releaseInstallMinutesSql, releaseSwitchesSql } from './sql/cost-release-installs'
import { zToScore } from './stats'
import type { CostAnomalyRow } from './types'

/**
 * Release volume lens of the cost detector: a release that sends each call
 * twice (a retry loop, a double-fired request) doubles a feature's spend with
 * cost per request unchanged, and a new version has no past of its own.
 *
 * Self-controlled: the installs that moved to a young version are compared
 * with themselves before the move. Per install, requests per active minute
 * (a minute with at least one request of the feature) on the new version
 * against its own on the earlier version. This cancels who adopts first (heavy
 * users upgrade early: their rate is high on both sides), the daily curve
 * (it changes how many installs are active, not how hard an active one calls)
 * and sessions (the move is seen at a request, inside a session: a rate per
 * hour would be inflated, a rate per active minute is not). New installs that
 * start on the version have no "before" and are not counted.
 */
export type VolumeSettings = Pick<DetectionSettings, 'zAlert' | 'costMinRequests' | 'costWindowMinutes' | 'costVolumeMinInstalls' | 'costVolumeMinRatio'>

/** How far back an install's rate on its previous version is read. */
export const BEFORE_MINUTES = 120
/** Smallest spread of the installs' lifts used in their t statistic (a tenth of a doubling). */
const LIFT_SD_FLOOR = 0.1
/** Installs read per version: enough for the statistic, bounded for the query. */
const SWITCHER_CAP = 2_000

export interface SwitchedInstall {
  tenant_id: string
  app_version: string
  install_id: string
  switched_at: number
}
export interface InstallFeatureMinute {
  install_id: string
  feature: string
  t: number
  requests: number
}
export interface ReleaseVolume {
  tenant_id: string
  feature: string
  app_version: string
  /** Installs with active minutes both before and after their move. */
  installs: number
  requests_after: number
  /** Requests after the move expected at each install's own earlier rate per active minute. */
  expected_after: number
  ratio: number
  /** t statistic of the installs' lifts (own rate per active minute after the move over before, minus 1). */
  z: number
}

/**
 * Versions first seen (in the cost minutes) at least one cost window after
 * their feature: releases. Versions already running when the history starts
 * come in at its first minute with the feature and are not young.
 */
export function youngVersions(minutes: VersionMinute[], now: number, s: VolumeSettings): { tenant_id: string; app_version: string; first: number }[] {
  const featureFirst = new Map<string, number>()
  const versionFirst = new Map<string, { tenant_id: string; app_version: string; first: number; recent: number }>()
  const recentFrom = now - s.costWindowMinutes * 60_000
  for (const m of minutes) {
    const fk = `${m.tenant_id}/${m.feature}`
    featureFirst.set(fk, Math.min(featureFirst.get(fk) ?? Infinity, m.t))
  }
  for (const m of minutes) {
    const vk = `${m.tenant_id}/${m.feature}/${m.app_version}`
    const cur = versionFirst.get(vk) ?? { tenant_id: m.tenant_id, app_version: m.app_version, first: Infinity, recent: 0 }
    cur.first = Math.min(cur.first, m.t)
    if (m.t >= recentFrom) cur.recent += m.requests
    versionFirst.set(vk, cur)
  }
  const out = new Map<string, { tenant_id: string; app_version: string; first: number }>()
  for (const [vk, v] of versionFirst) {
    const fk = vk.slice(0, vk.lastIndexOf('/'))
    if (v.recent < s.costMinRequests || v.first < featureFirst.get(fk)! + s.costWindowMinutes * 60_000) continue
    const key = `${v.tenant_id}/${v.app_version}`
    const prev = out.get(key)
    out.set(key, { tenant_id: v.tenant_id, app_version: v.app_version, first: Math.min(prev?.first ?? Infinity, v.first) })
  }
  return [...out.values()]
}

/** Pure scoring, for unit tests: one entry per tenant/feature/version with at least one install seen on both sides. */
export function releaseVolumes(switched: SwitchedInstall[], minutes: InstallFeatureMinute[], now: number): ReleaseVolume[] {
  const beforeFrom = now - BEFORE_MINUTES * 60_000
  const byInstall = new Map<string, InstallFeatureMinute[]>()
  for (const m of minutes) appendTo(byInstall, m.install_id, m)
  const acc = new Map<string, { v: SwitchedInstall; feature: string; lifts: number[]; after: number; expected: number }>()
  for (const sw of switched) {
    const switchMinute = Math.floor(sw.switched_at / 60_000) * 60_000
    if (switchMinute <= beforeFrom) continue
    const perFeature = new Map<string, { a: number; b: number; c: number; d: number }>()
    for (const m of byInstall.get(sw.install_id) ?? []) {
      if (m.t < beforeFrom || m.requests <= 0) continue
      const f = perFeature.get(m.feature) ?? { a: 0, b: 0, c: 0, d: 0 }
      // The move's own minute counts after: it holds a request on the new version, so it is active on it.
      if (m.t < switchMinute) {
        f.a++
        f.b += m.requests
      } else {
        f.c++
        f.d += m.requests
      }
      perFeature.set(m.feature, f)
    }
    for (const [feature, f] of perFeature) {
      if (!f.a || !f.c) continue
      const expected = f.c * (f.b / f.a)
      const key = `${sw.tenant_id}/${feature}/${sw.app_version}`
      const cur = acc.get(key) ?? { v: sw, feature, lifts: [], after: 0, expected: 0 }
      // One vote per install (its own after/before rate, minus 1): heavy users do not outweigh the rest.
      cur.lifts.push(f.d / f.c / (f.b / f.a) - 1)
      cur.after += f.d
      cur.expected += expected
      acc.set(key, cur)
    }
  }
  return [...acc.values()].map(({ v, feature, lifts, after, expected }) => {
    const n = lifts.length
    const mean = lifts.reduce((a, x) => a + x, 0) / n
    // Lifts are ratios of small counts: a spread under LIFT_SD_FLOOR means the installs agree, not an infinite t.
    const sd = n > 1 ? Math.max(LIFT_SD_FLOOR, Math.sqrt(lifts.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1))) : 0
    return {
      tenant_id: v.tenant_id,
      feature,
      app_version: v.app_version,
      installs: n,
      requests_after: after,
      expected_after: expected,
      ratio: expected > 0 ? after / expected : 0,
      z: sd > 0 ? mean / (sd / Math.sqrt(n)) : 0,
    }
  })
}

/**
 * Raises a version row (subject tenant/feature/version) whose installs call
 * more per active minute than they did before the move. Needs the ratio ≥
 * costVolumeMinRatio, the t statistic ≥ zAlert, costVolumeMinInstalls installs and
 * costMinRequests requests after the move. Adds the row if the version has none.
 */
export function applyReleaseVolumes(rows: CostAnomalyRow[], volumes: ReleaseVolume[], s: VolumeSettings): void {
  for (const v of volumes) {
    const mine = rows
      .filter((r) => r.kind === 'cost_per_request' && r.tenant_id === v.tenant_id && r.feature === v.feature && r.app_version === v.app_version)
      .sort((a, b) => b.requests - a.requests)[0]
    if (!mine) continue
    mine.release_volume = {
      installs: v.installs,
      requests_after: v.requests_after,
      expected_after: Math.round(v.expected_after),
      ratio: v.ratio,
      z: v.z,
      decided: false,
    }
    const eligible = v.installs >= s.costVolumeMinInstalls && v.requests_after >= s.costMinRequests && v.ratio >= s.costVolumeMinRatio
    if (!eligible) continue
    const score = zToScore(v.z, s.zAlert)
    if (score <= mine.score) continue
    mine.score = score
    mine.severity = severityFor(score)
    mine.release_volume.decided = true
    mine.reasons.push(
      `requests per install ${v.ratio.toFixed(2)}x: ${v.installs} installs that moved to v${v.app_version} send ${v.requests_after} requests ` +
        `where their own rate per active minute on earlier versions gives ${Math.round(v.expected_after)} (t ${v.z.toFixed(1)}); ` +
        `cost per request ${mine.ratio.toFixed(2)}x: spend grows with the calls, not their size`,
    )
  }
}

/**
 * The lens's reads: installs seen on a young version (install_profile), when
 * each moved (their events, by install id), then their minutes. Nothing is
 * read when no version is young.
 */
export async function readReleaseVolumes(store: Store, minutes: VersionMinute[], now: number, s: VolumeSettings, tenant: string): Promise<ReleaseVolume[]> {
  const young = youngVersions(minutes, now, s).filter((v) => !tenant || v.tenant_id === tenant)
  if (!young.length) return []
  const db = store.database
  const from = Math.max(now - BEFORE_MINUTES * 60_000, Math.min(...young.map((v) => v.first)))
  const pairs = new Set(young.map((v) => `${v.tenant_id}/${v.app_version}`))
  const candidates = await selectRows<Record<string, unknown>>(store, releaseCandidatesSql(db), {
    tenants: [...new Set(young.map((v) => v.tenant_id))],
    versions: [...new Set(young.map((v) => v.app_version))],
    from: toSec(from),
    cap: SWITCHER_CAP,
  })
  const byTenant = new Map<string, { install_id: string; app_version: string }[]>()
  for (const c of candidates)
    if (pairs.has(`${c.tenant_id}/${c.app_version}`))
      appendTo(byTenant, String(c.tenant_id), { install_id: String(c.install_id), app_version: String(c.app_version) })
  const out: ReleaseVolume[] = []
  for (const [t, list] of byTenant) {
    const installs = [...new Set(list.map((x) => x.install_id))]
    const versions = [...new Set(list.map((x) => x.app_version))]
    const window = { tenant: t, installs, to: toSec(now) + 1 }
    const [moves, rows] = await Promise.all([
      selectRows<Record<string, unknown>>(store, releaseSwitchesSql(db), { ...window, versions, from: toSec(from) }),
      selectRows<Record<string, unknown>>(store, releaseInstallMinutesSql(db), { ...window, from: toSec(now - BEFORE_MINUTES * 60_000) }),
    ])
    const switched = moves
      .map((r) => ({ tenant_id: t, app_version: String(r.app_version), install_id: String(r.install_id), switched_at: num(r.switched_at) }))
      .filter((r) => pairs.has(`${t}/${r.app_version}`))
    const mins = rows.map((r) => ({ install_id: String(r.install_id), feature: String(r.feature), t: num(r.t), requests: num(r.requests) }))
    out.push(...releaseVolumes(switched, mins, now))
  }
  return out
}
