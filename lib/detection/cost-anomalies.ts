import type { Store } from '../clickhouse/client'
import { budgetAlertRows } from './budget-rows'
import {
  baselineOf,
  baselineZ,
  cprSamples,
  MIN_MINUTE_SAMPLES,
  MIN_SEASONAL_DAYS,
  NO_BASELINE,
  sumByMinute,
  type Baseline,
  type MinutePoint,
} from './cost-baselines'
import { selectRows } from '../clickhouse/select'
import { num, toSec } from './query'
import { FINDING_MIN_SCORE, severityFor, type DetectionSettings } from './settings'
import { costMinutesSql } from './sql/cost-minutes'
import { costSeasonalSql } from './sql/cost-seasonal'
import { zToScore } from './stats'
import type { CostAnomalyRow } from './types'
import { appendTo } from './collect'
import { modelShift, seasonalByFeature, typicalRequestLens, type CostSettings } from './cost-lenses'
import { applyReleaseVolumes, readReleaseVolumes } from './cost-release-volume'
import { explainByPrice, scorePriceDrift } from './cost-price'
import { volumeShareRows } from './cost-volume-share'
import { applySustained, runCostPerRequest, sustainedRise, sustainedVersion } from './cost-sustained'

const BASELINE_HOURS = 6
const SEASONAL_DAYS = 7
const SERIES_MS = 3_600_000

export interface VersionMinute extends MinutePoint {
  tenant_id: string
  feature: string
  model: string
  app_version: string
  median_context?: number
  /** Token sums of the minute: what the price lens prices at the catalog (cost-price.ts). */
  prompt_tokens?: number
  completion_tokens?: number
}
export interface SeasonalDay {
  tenant_id: string
  feature: string
  model: string
  day: number
  requests: number
  cost: number
}

type Settings = CostSettings

function row(
  base: Omit<CostAnomalyRow, 'score' | 'severity' | 'z' | 'ratio' | 'reasons' | 'baseline'>,
  b: Baseline,
  s: Settings,
  what: string,
): CostAnomalyRow {
  const z = baselineZ(base.current, b)
  const ratio = b.median > 0 ? base.current / b.median : 0
  // Both a large relative change and a statistically clear one are required.
  const eligible = b.kind !== 'none' && base.requests >= s.costMinRequests && ratio >= s.costMinRatio
  const score = eligible ? zToScore(z, s.zAlert) : Math.min(49, zToScore(z, s.zAlert))
  const reasons = b.kind === 'none' ? [] : [`${what} ${ratio.toFixed(2)}x the baseline (z ${z.toFixed(1)}); baseline: ${b.description}`]
  return { ...base, baseline: b, z, ratio, score, severity: severityFor(score), reasons }
}

/** Pure scoring of the cost series at `now`, for unit tests. */
export function scoreCostAnomalies(minutes: VersionMinute[], seasonal: SeasonalDay[], now: number, s: Settings): CostAnomalyRow[] {
  const recentFrom = Math.floor((now - s.costWindowMinutes * 60_000) / 60_000) * 60_000
  const span = s.costSustainedMinutes
  const sustainedFrom = Math.floor((now - span * 60_000) / 60_000) * 60_000
  const bySeries = new Map<string, VersionMinute[]>()
  for (const m of minutes) {
    const key = `${m.tenant_id}/${m.feature}/${m.model}`
    appendTo(bySeries, key, m)
  }
  const rows: CostAnomalyRow[] = []
  const flaggedByFeature = new Map<string, string[]>()
  for (const list of bySeries.values()) {
    const { tenant_id, feature, model } = list[0]
    const recent = list.filter((m) => m.t >= recentFrom)
    const versions = [...new Set(recent.map((m) => m.app_version))]
    const flaggedVersions: string[] = []
    for (const v of versions) {
      const mine = recent.filter((m) => m.app_version === v)
      const requests = mine.reduce((a, m) => a + m.requests, 0)
      const cost = mine.reduce((a, m) => a + m.cost, 0)
      const peers = cprSamples(sumByMinute(list.filter((m) => m.app_version !== v)).values())
      const own = cprSamples(list.filter((m) => m.app_version === v && m.t < recentFrom))
      const b =
        peers.length >= MIN_MINUTE_SAMPLES
          ? baselineOf('recent_hours', peers, `other app versions of ${feature}/${model}, per minute, previous ${BASELINE_HOURS} h`)
          : own.length >= MIN_MINUTE_SAMPLES
            ? baselineOf('recent_hours', own, `this version's own minutes, previous ${BASELINE_HOURS} h (no other versions to compare)`)
            : NO_BASELINE
      const series = sumByMinute(list.filter((m) => m.app_version === v && m.t >= now - SERIES_MS))
      const r = row(
        {
          kind: 'cost_per_request',
          subject: `${tenant_id}/${feature}/${v}`,
          subject_kind: 'feature',
          tenant_id,
          feature,
          model,
          app_version: v,
          current: requests ? cost / requests : 0,
          expected: b.median,
          requests,
          cost_micros: cost,
          series: [...series.values()].map((p) => ({ t: p.t, value: p.cost / p.requests })).sort((a, b2) => a.t - b2.t),
        },
        b,
        s,
        `cost per request of v${v}`,
      )
      typicalRequestLens(
        r,
        mine,
        list.filter((m) => m.app_version !== v),
        s,
      )
      sustainedVersion(r, list, v, sustainedFrom, now, s)
      if (r.severity) flaggedVersions.push(v)
      rows.push(r)
    }
    flaggedByFeature.set(`${tenant_id}/${feature}`, [...(flaggedByFeature.get(`${tenant_id}/${feature}`) ?? []), ...flaggedVersions])
  }
  // The whole feature, all models together, against its own past: a shift of
  // traffic to a pricier model moves the feature's cost per request while
  // each model's own series (and a new model's, which has no past) looks normal.
  const byFeature = new Map<string, VersionMinute[]>()
  for (const m of minutes) {
    const key = `${m.tenant_id}/${m.feature}`
    appendTo(byFeature, key, m)
  }
  for (const [key, list] of byFeature) {
    const { tenant_id, feature } = list[0]
    const flaggedVersions = flaggedByFeature.get(key) ?? []
    const recentModels = new Map<string, number>()
    const pastModels = new Map<string, number>()
    for (const m of list) {
      const into = m.t >= recentFrom ? recentModels : pastModels
      into.set(m.model, (into.get(m.model) ?? 0) + m.requests)
    }
    const model = [...recentModels].sort((a, b) => b[1] - a[1])[0]?.[0] ?? list[0].model
    const all = [...sumByMinute(list).values()]
    const allRecent = all.filter((m) => m.t >= recentFrom)
    const requests = allRecent.reduce((a, m) => a + m.requests, 0)
    const cost = allRecent.reduce((a, m) => a + m.cost, 0)
    const days = seasonalByFeature(seasonal, tenant_id, feature).filter((d) => d.requests >= s.costMinRequests)
    const seasonalOk = days.length >= MIN_SEASONAL_DAYS
    const hist = cprSamples(all.filter((m) => m.t < recentFrom))
    const cprBaseline = seasonalOk
      ? baselineOf(
          'seasonal',
          days.map((d) => d.cost / d.requests),
          `same ${s.costWindowMinutes} min on the previous ${days.length} days`,
        )
      : hist.length >= MIN_MINUTE_SAMPLES
        ? baselineOf(
            'recent_hours',
            hist,
            `per minute over the previous ${BASELINE_HOURS} h (under ${MIN_SEASONAL_DAYS} days of history: no seasonal baseline yet)`,
          )
        : NO_BASELINE
    const featureBase = {
      subject: `${tenant_id}/${feature}`,
      subject_kind: 'feature' as const,
      tenant_id,
      feature,
      model,
      app_version: '',
      requests,
      cost_micros: cost,
    }
    const cpr = row(
      {
        ...featureBase,
        kind: 'cost_per_request',
        current: requests ? cost / requests : 0,
        expected: cprBaseline.median,
        series: all.filter((m) => m.t >= now - SERIES_MS).map((m) => ({ t: m.t, value: m.cost / m.requests })),
      },
      cprBaseline,
      s,
      'cost per request',
    )
    const pastRuns = runCostPerRequest(all, span, sustainedFrom, s.costMinRequests)
    applySustained(
      cpr,
      sustainedRise(all, pastRuns, `its own ${span}-minute runs over the previous ${BASELINE_HOURS} h`, now, s),
      'cost per request',
      'own_past',
      s,
    )
    if (flaggedVersions.length && cpr.severity) {
      // One incident, one alert: the version row already carries it.
      cpr.reasons.push(`explained by app version(s) ${flaggedVersions.join(', ')}`)
      cpr.score = Math.min(cpr.score, 49)
      cpr.severity = null
    }
    const mixNote = modelShift(recentModels, pastModels)
    if (mixNote && cpr.reasons.length) cpr.reasons.push(mixNote)
    rows.push(cpr)
    if (seasonalOk) {
      const minutesInWindow = Math.max(1, (now - recentFrom) / 60_000)
      const spendBaseline = baselineOf(
        'seasonal',
        days.map((d) => d.cost / s.costWindowMinutes),
        `spend per minute, same window on the previous ${days.length} days`,
      )
      rows.push(
        row(
          {
            ...featureBase,
            kind: 'spend_rate',
            current: cost / minutesInWindow,
            expected: spendBaseline.median,
            series: all.filter((m) => m.t >= now - SERIES_MS).map((m) => ({ t: m.t, value: m.cost })),
          },
          spendBaseline,
          s,
          'spend per minute',
        ),
      )
    }
  }
  return rows
}

/** Budget crossings come from lib/budgets (stored budgets and BUDGETS_JSON seeds, the Cost page's forecast). */
export async function detectCostAnomalies(
  store: Store,
  s: DetectionSettings,
  now: number,
  opts: { tenant?: string; limit?: number } = {},
): Promise<CostAnomalyRow[]> {
  const tenant = opts.tenant ?? ''
  const db = store.database
  const [minutes, seasonal, budgets] = await Promise.all([
    selectRows<Record<string, unknown>>(store, costMinutesSql(db), { from: toSec(now - BASELINE_HOURS * 3_600_000), to: toSec(now) + 1, tenant }),
    selectRows<Record<string, unknown>>(store, costSeasonalSql(db), { now: toSec(now), days: SEASONAL_DAYS, window: s.costWindowMinutes * 60, tenant }),
    budgetAlertRows(store, now, tenant),
  ])
  const str = (v: unknown) => String(v)
  const versionMinutes = minutes.map((m) => ({
    tenant_id: str(m.tenant_id),
    feature: str(m.feature),
    model: str(m.model),
    app_version: str(m.app_version),
    t: num(m.t),
    requests: num(m.requests),
    cost: num(m.cost_micros),
    median_context: num(m.median_context),
    prompt_tokens: num(m.prompt_tokens),
    completion_tokens: num(m.completion_tokens),
  }))
  const days: SeasonalDay[] = seasonal.map((d) => ({
    tenant_id: str(d.tenant_id),
    feature: str(d.feature),
    model: str(d.model),
    day: num(d.day),
    requests: num(d.requests),
    cost: num(d.cost_micros),
  }))
  const hasSeasonal = (tenant: string, feature: string) =>
    seasonalByFeature(days, tenant, feature).filter((d) => d.requests >= s.costMinRequests).length >= MIN_SEASONAL_DAYS
  const costRows = [
    ...scoreCostAnomalies(versionMinutes, days, now, s),
    ...scorePriceDrift(versionMinutes, now, s),
    ...(await volumeShareRows(store, versionMinutes, hasSeasonal, now, s, tenant, BASELINE_HOURS)),
  ]
  explainByPrice(costRows)
  applyReleaseVolumes(costRows, await readReleaseVolumes(store, versionMinutes, now, s, tenant), s)
  const rows = [...costRows, ...budgets]
  rows.sort((a, b) => b.score - a.score || b.cost_micros - a.cost_micros)
  return rows.filter((r, i) => i < (opts.limit ?? 50) || r.score >= FINDING_MIN_SCORE)
}
