import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '../../lib/clickhouse/client'
import { trafficSeries } from '../../lib/queries/traffic-series'
import { unitCostSeries } from '../../lib/queries/unit-cost-series'
import { resolveRange } from '../../lib/time-range'
import { rows, testStore } from '../helpers/store'

/**
 * The quarter-hour install sketches (migration 0063) and the per-install chart's merge of the kept keys: per bucket
 * and over the window, the counts equal the raw table's distinct installs (small counts: the sketch is exact), on a
 * window whose edges cut quarters and hours: the 15-minute chart reads minutes and quarters, the hourly one minutes
 * (its edge quarters too: the quarter tier is read only for 15-minute buckets) and hours.
 */
let store: Store & { drop(): Promise<void> }
const MIN = 60_000
const HOUR = 60 * MIN
const base = Math.floor(Date.now() / HOUR) * HOUR - 5 * HOUR
const from = base + 7 * MIN
const to = base + 3 * HOUR + 52 * MIN
const FEATURES = ['chat', 'translate', 'search']

/** Install i spends once every (i % 7 + 1) minutes in one feature, over 4 hours: distinct counts differ per bucket. */
function events() {
  const out: Record<string, unknown>[] = []
  for (let i = 0; i < 60; i++) {
    for (let t = base + (i % 5) * 1000; t < base + 4 * HOUR; t += ((i % 7) + 1) * MIN) {
      out.push({
        ts: t,
        event_id: `e${i}-${t}`,
        tenant_id: i % 2 ? 't1' : 't2',
        install_id: `i${i}`,
        app_version: '1.0',
        platform: 'android',
        type: 'llm_request',
        feature: FEATURES[i % 3],
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
  store = await testStore('install_quarters')
  await store.client.insert({ table: `${store.database}.events`, values: events(), format: 'JSONEachRow' })
})
afterAll(async () => store?.drop())

const raw = (sql: string, step: number) =>
  rows<{ t: string; key: string; n: string; c: string }>(store, sql.replaceAll('{db}', store.database), { from, to, step })
const inRange = `ts >= fromUnixTimestamp64Milli({from:Int64}) AND ts < fromUnixTimestamp64Milli({to:Int64})`

describe('install sketches per quarter-hour', () => {
  it('the traffic chart in 15-minute buckets counts each bucket’s distinct installs and requests as the raw table', async () => {
    const range = { ...resolveRange({ range: 'custom', from, to }), stepS: 900 }
    const t = await trafficSeries(store, range)
    const r = await raw(
      `SELECT toUnixTimestamp(toStartOfInterval(ts, toIntervalSecond({step:UInt32}))) * 1000 AS t, uniqExact(install_id) AS n, count() AS c
       FROM {db}.events WHERE ${inRange} GROUP BY t`,
      900,
    )
    expect(r.length).toBe(16)
    const byT = new Map(t.points.map((p) => [p.t, p]))
    for (const b of r) {
      expect(byT.get(Number(b.t))?.activeInstalls).toBe(Number(b.n))
      expect(byT.get(Number(b.t))!.requestsPerMin * 15).toBeCloseTo(Number(b.c), 6)
    }
    // The quarter table holds what the minutes hold.
    const [q] = await rows<{ q: string; m: string }>(
      store,
      `SELECT (SELECT uniqCombinedMerge(14)(installs) FROM ${store.database}.installs_dim_quarter WHERE dim = 'feature') AS q,
        (SELECT uniqCombinedMerge(14)(installs) FROM ${store.database}.installs_dim_minute WHERE dim = 'feature') AS m`,
    )
    expect(Number(q.q)).toBe(60)
    expect(Number(q.m)).toBe(60)
  })

  it('cost per install per hour and over the window equals raw spend over raw distinct installs', async () => {
    const range = { ...resolveRange({ range: 'custom', from, to }), stepS: 3600 }
    const s = await unitCostSeries(store, range, 'feature', 'per_install', 2)
    const r = await raw(
      `SELECT toUnixTimestamp(toStartOfInterval(ts, toIntervalSecond({step:UInt32}))) * 1000 AS t, feature AS key, uniqExact(install_id) AS n, sum(cost_micros) AS c
       FROM {db}.events WHERE ${inRange} GROUP BY t, key`,
      3600,
    )
    expect(s.keys.length).toBe(2)
    const byT = new Map(s.points.map((p) => [p.t, p]))
    for (const b of r) if (s.keys.includes(b.key)) expect(byT.get(Number(b.t))?.[b.key]).toBeCloseTo(Number(b.c) / Number(b.n), 6)
    const w = await raw(`SELECT feature AS key, uniqExact(install_id) AS n, sum(cost_micros) AS c FROM {db}.events WHERE ${inRange} GROUP BY key`, 3600)
    for (const b of w) if (s.keys.includes(b.key)) expect(s.totals[b.key]).toBeCloseTo(Number(b.c) / Number(b.n), 6)
  })
})
