import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '../../lib/clickhouse/client'
import { migrate } from '../../lib/clickhouse/migrate'
import { MIGRATIONS } from '../../lib/clickhouse/migrations'
import { costBreakdown } from '../../lib/queries/cost-breakdown'
import { installsBy } from '../../lib/queries/install-sketch'
import { overviewKpis } from '../../lib/queries/overview-kpis'
import { trafficSeries } from '../../lib/queries/traffic-series'
import { unitCostSeries } from '../../lib/queries/unit-cost-series'
import { coarsestFor, tierParams } from '../../lib/queries/usage-tiers'
import { resolveRange, type ResolvedRange } from '../../lib/time-range'
import { rows, testStore } from '../helpers/store'

/**
 * The install sketches merged across tenants (migration 0064): the "all tenants" views read installs_all_*, and
 * every count equals the per-tenant sketches merged at query time and the raw table's distinct installs (small
 * counts: the sketch is exact). Half the events are written before the migration (its backfill), half after (its
 * views); the window's edges cut days, hours and quarters, so every tier is read.
 */
let store: Store & { drop(): Promise<void> }
const MIN = 60_000
const HOUR = 60 * MIN
const DAY = 24 * HOUR
const base = Math.floor(Date.now() / DAY) * DAY - 3 * DAY
const from = base + 5 * HOUR + 7 * MIN
const to = base + 2 * DAY + 3 * HOUR + 52 * MIN
const FEATURES = ['chat', 'translate', 'search']
const TENANTS = ['t1', 't2', 't3']

/** Install i calls every (i % 7 + 1) × 20 minutes in one feature, over 3 days; ids i and i + 50 belong to two tenants (a union counts them once). */
function events(half: 0 | 1) {
  const out: Record<string, unknown>[] = []
  for (let i = 0; i < 90; i++) {
    if (i % 2 !== half) continue
    for (let t = base + (i % 5) * 1000; t < base + 3 * DAY; t += ((i % 7) + 1) * 20 * MIN) {
      out.push({
        ts: t,
        event_id: `e${i}-${t}`,
        tenant_id: TENANTS[i % 3],
        install_id: `i${i % 50}`,
        app_version: '1.0',
        platform: i % 4 ? 'android' : 'ios',
        type: 'llm_request',
        feature: FEATURES[Math.floor(i / 3) % 3],
        model: 'm',
        cost_micros: 100 + i,
        prompt_tokens: 10,
        outcome: 'served',
      })
    }
  }
  return out
}

beforeAll(async () => {
  store = await testStore('install_all_tenants', { migrations: MIGRATIONS.filter((m) => m.version < 64) })
  await store.client.insert({ table: `${store.database}.events`, values: events(0), format: 'JSONEachRow' })
  await migrate(store, { retentionDays: 30 })
  await store.client.insert({ table: `${store.database}.events`, values: events(1), format: 'JSONEachRow' })
})
afterAll(async () => store?.drop())

const inRange = `ts >= fromUnixTimestamp64Milli({from:Int64}) AND ts < fromUnixTimestamp64Milli({to:Int64})`
const range = (stepS: number): ResolvedRange => ({ ...resolveRange({ range: 'custom', from, to }), stepS })

describe('install sketches merged across tenants', () => {
  it('every tier holds the union of the tenants’ sketches', async () => {
    for (const time of ['minute', 'quarter', 'hour', 'day']) {
      const [r] = await rows<{ all: string; per: string; rows_all: string }>(
        store,
        `SELECT
          (SELECT uniqCombinedMerge(14)(installs) FROM ${store.database}.installs_all_${time} WHERE dim = 'feature' AND key = 'chat') AS all,
          (SELECT uniqCombinedMerge(14)(installs) FROM ${store.database}.installs_dim_${time} WHERE dim = 'feature' AND key = 'chat') AS per,
          (SELECT count() FROM ${store.database}.installs_all_${time} FINAL WHERE dim = '') AS rows_all`,
      )
      expect(Number(r.all), time).toBe(Number(r.per))
      expect(Number(r.all), time).toBeGreaterThan(0)
      expect(Number(r.rows_all), time).toBeGreaterThan(0)
    }
  })

  it('all-tenant reads equal the per-tenant merge at every tier and bucket size', async () => {
    for (const stepS of [900, 3600, 86_400]) {
      for (const [by, keys] of [
        [null, []],
        ['feature', FEATURES],
        ['platform', ['ios']],
      ] as const) {
        const params = { ...tierParams(range(stepS), coarsestFor(stepS)), keys }
        const q = (tenant: string | undefined) =>
          rows<{ t: string; key: string; installs: string }>(
            store,
            `${installsBy(store, by, params, { perBucket: true, keys: by !== null, tenant })} ORDER BY t, key`,
            params,
          )
        const all = await q('')
        expect(all.length).toBeGreaterThan(0)
        expect(all).toEqual(await q(undefined))
      }
    }
  })

  it('the dashboard’s all-tenant installs equal the raw table’s distinct installs', async () => {
    const raw = async (sql: string, step = 3600) =>
      rows<{ t: string; key: string; n: string; c: string }>(store, sql.replaceAll('{db}', store.database), { from, to, step })
    const [kpi] = await raw(`SELECT uniqExact(install_id) AS n FROM {db}.events WHERE ${inRange}`)
    expect((await overviewKpis(store, range(3600))).activeInstalls).toBe(Number(kpi.n))

    const traffic = await trafficSeries(store, range(3600))
    const perHour = await raw(
      `SELECT toUnixTimestamp(toStartOfInterval(ts, toIntervalSecond({step:UInt32}))) * 1000 AS t, uniqExact(install_id) AS n FROM {db}.events WHERE ${inRange} GROUP BY t`,
    )
    const byT = new Map(traffic.points.map((p) => [p.t, p.activeInstalls]))
    for (const b of perHour) expect(byT.get(Number(b.t))).toBe(Number(b.n))

    const breakdown = await costBreakdown(store, range(3600), 'feature', { sort: 'key', dir: 'asc', offset: 0, limit: 10 })
    const perFeature = await raw(`SELECT feature AS key, uniqExact(install_id) AS n FROM {db}.events WHERE ${inRange} GROUP BY key ORDER BY key`)
    expect(breakdown.rows.map((r) => [r.key, r.installs])).toEqual(perFeature.map((r) => [r.key, Number(r.n)]))

    const perDay = await unitCostSeries(store, range(86_400), 'feature', 'per_install')
    const daily = await raw(
      `SELECT toUnixTimestamp(toStartOfInterval(ts, toIntervalSecond({step:UInt32}))) * 1000 AS t, feature AS key, uniqExact(install_id) AS n, sum(cost_micros) AS c
       FROM {db}.events WHERE ${inRange} GROUP BY t, key`,
      86_400,
    )
    expect(daily.length).toBeGreaterThan(6)
    const points = new Map(perDay.points.map((p) => [p.t, p]))
    for (const b of daily) expect(points.get(Number(b.t))?.[b.key]).toBeCloseTo(Number(b.c) / Number(b.n), 6)
  })
})
