import type { Store } from '../clickhouse/client'
import type { CostDimension, SeriesRow, StackedSeries } from '../dashboard/types'
import { bucketStarts, type ResolvedRange } from '../time-range'
import { installsBy } from './install-sketch'
import { selectRows } from './sql'
import { coarsestFor, tierParams, usageTiers } from './usage-tiers'

export const UNIT_METRICS = ['per_request', 'per_1k_tokens', 'per_install'] as const
export type UnitMetric = (typeof UNIT_METRICS)[number]

/**
 * Unit cost per bucket for the `maxKeys` values of a dimension with the most
 * spend (a ratio cannot be folded into a "rest" series the way spend can):
 * micro-dollars per request, per 1,000 tokens or per active install (from the
 * per-dimension install sketches, per bucket and over the window). Buckets
 * without the denominator are 0. From the usage tiers the bucket allows.
 */
const HOUR_S = 3_600
const DAY_S = 86_400

/**
 * The bucket a chart of cost per active install gets when it asks for none (granularity auto): at least an hour,
 * and a day over ranges longer than 2 days. Installs active in a bucket is a count of distinct ids: per 15 minutes
 * it mostly counts sessions, per day it is the daily active installs finance divides by, and it is read from
 * ~30 day sketches per value over 30 days instead of ~120 hour sketches per 6 hours (each a merge of a large sketch).
 */
export function perInstallStep(range: Pick<ResolvedRange, 'fromMs' | 'toMs' | 'stepS'>): number {
  const floor = range.toMs - range.fromMs > 2 * DAY_S * 1000 ? DAY_S : HOUR_S
  return Math.ceil(Math.max(range.stepS, floor) / floor) * floor
}

export async function unitCostSeries(store: Store, range: ResolvedRange, by: CostDimension, metric: UnitMetric, maxKeys = 8): Promise<StackedSeries> {
  const params = tierParams(range, coarsestFor(range.stepS))
  const perInstall = metric === 'per_install'
  const denominator = metric === 'per_request' ? 'sum(requests)' : metric === 'per_1k_tokens' ? 'sum(prompt_tokens + completion_tokens) / 1000' : '0'
  const sums = `
    SELECT toUnixTimestamp(toStartOfInterval(minute, toIntervalSecond({step:UInt32}))) * 1000 AS t,
      toString(${by}) AS key, sum(cost_micros) AS cost, ${denominator} AS denom
    FROM (${usageTiers(store, [by, 'cost_micros', 'requests', 'prompt_tokens', 'completion_tokens'], params)})
    WHERE ${by} != ''
    GROUP BY t, key
    HAVING cost > 0`
  const rows = await selectRows<{ t: number; key: string; cost: number; denom: number }>(store, sums, params)
  const spend = new Map<string, number>()
  for (const r of rows) spend.set(r.key, (spend.get(r.key) ?? 0) + r.cost)
  const keys = [...spend]
    .sort((a, b) => b[1] - a[1])
    .slice(0, maxKeys)
    .map(([k]) => k)
  const kept = new Set(keys)
  // Per install: active installs per bucket and over the window for the kept keys only, in one read of the
  // per-dimension sketches (not the rollups' exact uniq states); the window's count is the union of its buckets'.
  const installs = perInstall && keys.length > 0 ? await bucketInstalls(store, by, { ...params, keys }) : undefined
  const byT = new Map<number, SeriesRow>()
  for (const t of bucketStarts(range)) {
    const row = { t } as SeriesRow
    for (const k of keys) row[k] = 0
    byT.set(t, row)
  }
  const totals = new Map<string, { cost: number; denom: number }>()
  for (const r of rows) {
    if (!kept.has(r.key)) continue
    const denom = installs ? (installs.perBucket.get(`${r.t}|${r.key}`) ?? 0) : r.denom
    const row = byT.get(r.t)
    if (row && denom > 0) row[r.key] = r.cost / denom
    const s = totals.get(r.key) ?? { cost: 0, denom: 0 }
    s.cost += r.cost
    s.denom += denom
    totals.set(r.key, s)
  }
  // The legend's figure per key: its unit cost over the whole window; per install, over the installs active in the
  // window (one install active in every bucket counts once).
  if (installs) for (const [k, s] of totals) s.denom = installs.window.get(k) ?? 0
  const legend: Record<string, number> = {}
  for (const k of keys) legend[k] = (totals.get(k)?.denom ?? 0) > 0 ? totals.get(k)!.cost / totals.get(k)!.denom : 0
  return { from: range.fromMs, to: range.toMs, stepS: range.stepS, keys, points: [...byT.values()], totals: legend }
}

/** Active installs of `keys` per bucket ("t|key") and over the window (key), from one read and merge of the sketches. */
async function bucketInstalls(
  store: Store,
  by: CostDimension,
  params: ReturnType<typeof tierParams> & { keys: string[] },
): Promise<{ perBucket: Map<string, number>; window: Map<string, number> }> {
  const rows = await selectRows<{ t: number; key: string; installs: number }>(
    store,
    installsBy(store, by, params, { perBucket: true, windowTotals: true, keys: true, tenant: params.tenant }),
    params,
  )
  const perBucket = new Map<string, number>()
  const window = new Map<string, number>()
  // The window's row of a key has t = 0 (the grouping set without t); a bucket starts after 1970.
  for (const r of rows) {
    if (Number(r.t) === 0) window.set(r.key, Number(r.installs))
    else perBucket.set(`${Number(r.t)}|${r.key}`, Number(r.installs))
  }
  return { perBucket, window }
}
