import type { Store } from '../clickhouse/client'
import { selectRows } from '../clickhouse/select'
import { num, toSec } from './query'
import { featureActiveInstallsSql } from './sql/cost-minutes'
import { baselineOf, baselineZ, MIN_MINUTE_SAMPLES, type Baseline } from './cost-baselines'
import type { VersionMinute } from './cost-anomalies'
import type { CostSettings } from './cost-lenses'
import { severityFor } from './settings'
import { median, zToScore } from './stats'
import type { CostAnomalyRow } from './types'

/**
 * Spend that grows by volume alone, before there are days to compare with.
 * A feature whose calls triple (a client retry loop, a screen that polls, a
 * script on the feature's endpoint) triples its spend with the same cost per
 * request, so the request checks see nothing, and the spend-rate check needs
 * the same window on 2 previous days: a new deployment has hours. Recent hours
 * are no baseline for spend itself (the daily curve moves it), but the daily
 * curve moves a tenant's features together: a feature's **share of its
 * tenant's calls** stays put through a busy hour or a holiday, and moves when
 * that feature alone changed.
 *
 * Per tenant and feature, when the feature has no seasonal baseline: its share
 * of the tenant's calls in the cost window against its shares over every run
 * of as many minutes in the previous hours (median/MAD; runs with at least
 * `MIN_TENANT_CALLS` calls of the tenant a minute). It alerts when the
 * share rose by `DETECT_COST_MIN_RATIO` (z ≥ `DETECT_Z_ALERT`, at least
 * `DETECT_COST_MIN_REQUESTS` calls) **and** the feature's own calls per minute
 * rose by as much against their median: a share also rises when the tenant's
 * other features fall (their provider is down), which costs nothing more.
 * **And** its calls per active install-minute (calls over the sum of each
 * minute's active installs) rose by as much against the same runs: a retry
 * loop, a polling screen or a script makes each active install call more,
 * while a peak of real users (an evening, a campaign) brings more installs
 * that each call as before. Installs are read only for features that pass the
 * other conditions. Subject `spend_rate:tenant/feature`, as the seasonal spend check.
 *
 * Blind spots: a tenant with one feature (its share is always 1: only the
 * seasonal check sees its volume), a rise shared by every feature of the
 * tenant (a holiday and a tenant-wide retry loop look alike), a rise
 * slower than the previous hours' spread, and extra calls that each land in a
 * minute the install would otherwise be idle in (a screen polling once a
 * minute raises active install-minutes with the calls).
 */
export const MIN_TENANT_CALLS = 20

/** Active installs of a tenant's feature in one minute (usage_minute's uniq state merged over models and versions). */
export interface ActiveInstallMinute {
  tenant_id: string
  feature: string
  t: number
  installs: number
}

interface Counts {
  requests: number
  cost: number
}

export function scoreVolumeShare(
  minutes: VersionMinute[],
  hasSeasonal: (tenant: string, feature: string) => boolean,
  now: number,
  s: CostSettings,
  activeInstalls?: ActiveInstallMinute[],
): CostAnomalyRow[] {
  const installsOf = new Map<string, Map<number, number>>()
  for (const a of activeInstalls ?? []) {
    const key = `${a.tenant_id}\u0000${a.feature}`
    const perMinute = installsOf.get(key) ?? new Map<number, number>()
    perMinute.set(a.t, (perMinute.get(a.t) ?? 0) + a.installs)
    installsOf.set(key, perMinute)
  }
  const recentFrom = Math.floor((now - s.costWindowMinutes * 60_000) / 60_000) * 60_000
  const tenantMinutes = new Map<string, Map<number, number>>()
  const featureMinutes = new Map<string, Map<number, Counts>>()
  for (const m of minutes) {
    const perTenant = tenantMinutes.get(m.tenant_id) ?? new Map<number, number>()
    perTenant.set(m.t, (perTenant.get(m.t) ?? 0) + m.requests)
    tenantMinutes.set(m.tenant_id, perTenant)
    const key = `${m.tenant_id}\u0000${m.feature}`
    const perFeature = featureMinutes.get(key) ?? new Map<number, Counts>()
    const c = perFeature.get(m.t) ?? { requests: 0, cost: 0 }
    c.requests += m.requests
    c.cost += m.cost
    perFeature.set(m.t, c)
    featureMinutes.set(key, perFeature)
  }
  const rows: CostAnomalyRow[] = []
  for (const [key, perFeature] of featureMinutes) {
    const [tenant_id, feature] = key.split('\u0000')
    if (hasSeasonal(tenant_id, feature)) continue
    const perTenant = tenantMinutes.get(tenant_id)!
    // The window's share is over its minutes; so is each past sample: every run of as many minutes that ends before it.
    const span = s.costWindowMinutes
    const first = Math.min(...perTenant.keys())
    const installs = installsOf.get(key)
    const shares: number[] = []
    const rates: number[] = []
    const perInstall: number[] = []
    let windowCalls = 0
    let windowTenantCalls = 0
    let windowCost = 0
    let windowInstallMinutes = 0
    for (const [t, total] of perTenant) {
      if (t < recentFrom) continue
      windowTenantCalls += total
      windowCalls += perFeature.get(t)?.requests ?? 0
      windowCost += perFeature.get(t)?.cost ?? 0
      windowInstallMinutes += installs?.get(t) ?? 0
    }
    for (let end = first + (span - 1) * 60_000; end < recentFrom; end += 60_000) {
      let total = 0
      let mine = 0
      let installMinutes = 0
      for (let t = end - (span - 1) * 60_000; t <= end; t += 60_000) {
        total += perTenant.get(t) ?? 0
        mine += perFeature.get(t)?.requests ?? 0
        installMinutes += installs?.get(t) ?? 0
      }
      if (total < MIN_TENANT_CALLS * span) continue
      shares.push(mine / total)
      rates.push(mine / span)
      if (installMinutes > 0) perInstall.push(mine / installMinutes)
    }
    if (shares.length < MIN_MINUTE_SAMPLES || windowTenantCalls === 0) continue
    const b = baselineOf(
      'recent_hours',
      shares,
      `its share of ${tenant_id}'s calls over each ${s.costWindowMinutes} minutes of the previous hours (no seasonal baseline yet)`,
    )
    if (b.median <= 0) continue
    const share = windowCalls / windowTenantCalls
    const windowMinutes = Math.max(1, (now - recentFrom) / 60_000)
    const rateRatio = windowCalls / windowMinutes / Math.max(median(rates), 1e-9)
    // Unread (the reader's first pass): ∞, so the gate passes and names the features whose installs are then read.
    const installRatio = !activeInstalls
      ? Infinity
      : perInstall.length >= MIN_MINUTE_SAMPLES && windowInstallMinutes > 0
        ? windowCalls / windowInstallMinutes / median(perInstall)
        : 0
    rows.push(shareRow({ tenant_id, feature, share, calls: windowCalls, cost: windowCost, rateRatio, installRatio, b, perFeature, perTenant, now }, s))
  }
  return rows
}

function shareRow(
  x: {
    tenant_id: string
    feature: string
    share: number
    calls: number
    cost: number
    rateRatio: number
    installRatio: number
    b: Baseline
    perFeature: Map<number, Counts>
    perTenant: Map<number, number>
    now: number
  },
  s: CostSettings,
): CostAnomalyRow {
  const z = baselineZ(x.share, x.b)
  const ratio = x.share / x.b.median
  const eligible = x.calls >= s.costMinRequests && ratio >= s.costMinRatio && x.rateRatio >= s.costMinRatio && x.installRatio >= s.costMinRatio
  const score = eligible ? zToScore(z, s.zAlert) : Math.min(49, zToScore(z, s.zAlert))
  const pct = (v: number) => `${(v * 100).toFixed(v < 0.1 ? 1 : 0)} %`
  const series = [...x.perTenant]
    .filter(([t, total]) => t >= x.now - 3_600_000 && total > 0)
    .map(([t, total]) => ({ t, value: (x.perFeature.get(t)?.requests ?? 0) / total }))
    .sort((a, b) => a.t - b.t)
  return {
    kind: 'spend_rate',
    subject: `${x.tenant_id}/${x.feature}`,
    subject_kind: 'feature',
    tenant_id: x.tenant_id,
    feature: x.feature,
    model: '',
    app_version: '',
    current: x.share,
    expected: x.b.median,
    requests: x.calls,
    cost_micros: x.cost,
    series,
    baseline: x.b,
    z,
    ratio,
    score,
    severity: severityFor(score),
    reasons: [
      `calls ${ratio.toFixed(2)}x their usual share of ${x.tenant_id}'s calls (${pct(x.share)} now, ${pct(x.b.median)} before; z ${z.toFixed(1)}), ` +
        `${x.rateRatio.toFixed(2)}x its own calls per minute` +
        (Number.isFinite(x.installRatio) ? `, ${x.installRatio.toFixed(2)}x its calls per active install-minute` : '') +
        (x.installRatio > 0 && x.installRatio < s.costMinRatio && x.rateRatio >= s.costMinRatio
          ? ': more installs are active, each calling as before (more people, not more calls per person); '
          : ': spend grew with volume; ') +
        `baseline: ${x.b.description}`,
    ],
  }
}

/**
 * The lens as the detector runs it: a first pass without installs names the
 * features that pass every other condition; only theirs are read, and the
 * lens is scored again with the calls per active install-minute.
 */
export async function volumeShareRows(
  store: Store,
  minutes: VersionMinute[],
  hasSeasonal: (tenant: string, feature: string) => boolean,
  now: number,
  s: CostSettings,
  tenant: string,
  hours: number,
): Promise<CostAnomalyRow[]> {
  const first = scoreVolumeShare(minutes, hasSeasonal, now, s)
  const raised = first.filter((r) => r.severity && (!tenant || r.tenant_id === tenant))
  if (!raised.length) return first
  const rows = await selectRows<Record<string, unknown>>(store, featureActiveInstallsSql(store.database), {
    from: toSec(now - hours * 3_600_000),
    to: toSec(now) + 1,
    tenants: [...new Set(raised.map((r) => r.tenant_id))],
    features: [...new Set(raised.map((r) => r.feature))],
  })
  const installs = rows.map((r) => ({ tenant_id: String(r.tenant_id), feature: String(r.feature), t: num(r.t), installs: num(r.installs) }))
  const second = new Map(scoreVolumeShare(minutes, hasSeasonal, now, s, installs).map((r) => [r.subject, r]))
  // Features whose installs were not read keep their first-pass row (they do not alert either way).
  const read = new Set(raised.map((r) => r.subject))
  return first.map((r) => (read.has(r.subject) ? (second.get(r.subject) ?? r) : r))
}
