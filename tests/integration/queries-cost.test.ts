import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '../../lib/clickhouse/client'
import { abuseTax } from '../../lib/queries/abuse-tax'
import { budgetSummary } from '../../lib/budgets/summary'
import { costBreakdown } from '../../lib/queries/cost-breakdown'
import { promptSizeHistogram } from '../../lib/queries/prompt-size-histogram'
import { spendSeries } from '../../lib/queries/spend-series'
import { unitCostSeries } from '../../lib/queries/unit-cost-series'
import { resolveRange, type ResolvedRange } from '../../lib/time-range'
import { rows } from '../helpers/store'
import { loadFixture } from './queries-fixture'

let store: Store & { drop(): Promise<void> }
let range: ResolvedRange
const raw = (sql: string) => rows<Record<string, number>>(store, sql.replaceAll('{db}', store.database), { from: range.fromMs, to: range.toMs })
const inRange = `ts >= fromUnixTimestamp64Milli({from:Int64}) AND ts < fromUnixTimestamp64Milli({to:Int64})`

beforeAll(async () => {
  const f = await loadFixture('q_cost')
  store = f.store
  range = resolveRange({ range: 'custom', from: f.fromMs, to: f.toMs })
})
afterAll(async () => store?.drop())

describe('cost queries', () => {
  it('breakdown by model equals raw spend, requests and shares', async () => {
    const b = await costBreakdown(store, range, 'model', { sort: 'cost_micros', dir: 'desc', offset: 0, limit: 50 })
    const r = await raw(
      `SELECT model, sum(cost_micros) AS c, countIf(type IN ('llm_request','stream')) AS n FROM {db}.events WHERE ${inRange} AND model != '' GROUP BY model ORDER BY c DESC, model`,
    )
    expect(b.rows.map((x) => x.key)).toEqual(r.map((x) => x.model))
    expect(b.rows.map((x) => x.cost_micros)).toEqual(r.map((x) => Number(x.c)))
    expect(b.rows.map((x) => x.requests)).toEqual(r.map((x) => Number(x.n)))
    expect(b.rows.reduce((s, x) => s + x.share, 0)).toBeCloseTo(1, 6)
    expect(b.total).toBe(r.length)
  })

  it('breakdown: a page past the end has no rows but still the true total', async () => {
    const first = await costBreakdown(store, range, 'feature', { sort: 'cost_micros', dir: 'desc', offset: 0, limit: 2 })
    expect(first.total).toBeGreaterThan(0)
    const past = await costBreakdown(store, range, 'feature', { sort: 'cost_micros', dir: 'desc', offset: (Math.ceil(first.total / 2) + 1) * 2, limit: 2 })
    expect(past.rows).toEqual([])
    expect(past.total).toBe(first.total)
    const none = await costBreakdown(store, { ...range, tenant: 'no-such-tenant' }, 'feature', { sort: 'cost_micros', dir: 'desc', offset: 3 * 2, limit: 2 })
    expect(none).toMatchObject({ rows: [], total: 0 })
  })

  it('daily granularity buckets on UTC days', async () => {
    const s = await spendSeries(store, { ...range, stepS: 86_400 }, 'tenant_id')
    const [{ c }] = await raw(`SELECT sum(cost_micros) AS c FROM {db}.events WHERE ${inRange}`)
    expect(Object.values(s.totals).reduce((a, b) => a + b, 0)).toBe(Number(c))
    for (const p of s.points) expect(p.t % 86_400_000).toBe(0)
  })

  it("budget: month to date is this month's spend; 20 minutes of history gives no forecast, and says why", async () => {
    const b = await budgetSummary(store, '')
    const [{ c }] = await rows<{ c: number }>(store, `SELECT sum(cost_micros) AS c FROM ${store.database}.events WHERE ts >= toStartOfMonth(now64(3, 'UTC'))`)
    expect(b.monthToDateMicros).toBe(Number(c))
    expect(b.forecast.status).toBe('insufficient_history')
    if (b.forecast.status === 'insufficient_history') expect(b.forecast.reason).toMatch(/Not enough history/)
  })

  it("unit cost series: cost per request per model and bucket equals the raw ratio; per 1k tokens equals the rollup's", async () => {
    const per = await unitCostSeries(store, range, 'model', 'per_request')
    const k1 = await unitCostSeries(store, range, 'model', 'per_1k_tokens')
    const r = await raw(`SELECT toUnixTimestamp(toStartOfInterval(ts, toIntervalSecond(${range.stepS}))) * 1000 AS t, model, sum(cost_micros) AS c,
      countIf(type IN ('llm_request','stream')) AS n FROM {db}.events WHERE ${inRange} AND model != '' GROUP BY t, model HAVING c > 0`)
    const u = await raw(`SELECT toUnixTimestamp(minute) * 1000 AS t, model, sum(cost_micros) AS c, sum(prompt_tokens + completion_tokens) AS tok
      FROM {db}.usage_minute WHERE minute >= fromUnixTimestamp64Milli({from:Int64}) AND minute < fromUnixTimestamp64Milli({to:Int64}) AND model != '' GROUP BY t, model HAVING c > 0`)
    expect(per.keys.length).toBeGreaterThan(0)
    let checked = 0
    for (const b of r) {
      if (!per.keys.includes(b.model as unknown as string)) continue
      expect(per.points.find((p) => p.t === Number(b.t))![b.model as unknown as string]).toBeCloseTo(Number(b.c) / Number(b.n), 6)
      checked++
    }
    for (const b of u) {
      if (!k1.keys.includes(b.model as unknown as string)) continue
      expect(k1.points.find((p) => p.t === Number(b.t))![b.model as unknown as string]).toBeCloseTo((Number(b.c) / Number(b.tok)) * 1000, 6)
    }
    expect(checked).toBeGreaterThan(3)
  })

  // Installs come from uniqCombined(14) sketches, an estimate (130 read as 129 here): within 3 %, as docs/dashboard.md says.
  it('unit cost per install: per bucket and over the window, cost over the distinct installs of the raw events', async () => {
    const per = await unitCostSeries(store, range, 'feature', 'per_install')
    const buckets = await raw(`SELECT toUnixTimestamp(toStartOfInterval(ts, toIntervalSecond(${range.stepS}))) * 1000 AS t, feature, sum(cost_micros) AS c,
      uniqExactIf(install_id, type != 'policy_ack' AND install_id != '') AS n FROM {db}.events WHERE ${inRange} AND feature != '' GROUP BY t, feature HAVING c > 0`)
    const window = await raw(`SELECT feature, sum(cost_micros) AS c, uniqExactIf(install_id, type != 'policy_ack' AND install_id != '') AS n
      FROM {db}.events WHERE ${inRange} AND feature != '' GROUP BY feature HAVING c > 0`)
    expect(per.keys.length).toBeGreaterThan(1)
    let checked = 0
    for (const b of buckets) {
      if (!per.keys.includes(b.feature as unknown as string)) continue
      const ratio = per.points.find((p) => p.t === Number(b.t))![b.feature as unknown as string] / (Number(b.c) / Number(b.n))
      expect(Math.abs(ratio - 1)).toBeLessThan(0.03)
      checked++
    }
    expect(checked).toBeGreaterThan(3)
    // The legend counts an install active in many buckets once (summing buckets' installs would undercount it).
    for (const w of window) {
      if (!per.keys.includes(w.feature as unknown as string)) continue
      const ratio = per.totals[w.feature as unknown as string] / (Number(w.c) / Number(w.n))
      expect(Math.abs(ratio - 1)).toBeLessThan(0.03)
    }
  })

  it('abuse tax: spend of installs with mostly-rejected attestations', async () => {
    const a = await abuseTax(store, range)
    const [r] = await raw(`
      WITH bad AS (SELECT install_id FROM {db}.events WHERE type = 'attestation' GROUP BY install_id
                   HAVING countIf(verdict='rejected') > 0 AND countIf(verdict='rejected') >= countIf(verdict='accepted'))
      SELECT sum(cost_micros) AS total, sumIf(cost_micros, install_id IN bad) AS failed FROM {db}.events WHERE ${inRange}`)
    expect(a.totalMicros).toBe(Number(r.total))
    expect(a.attestationFailedMicros).toBe(Number(r.failed))
    expect(a.attestationFailedMicros).toBeGreaterThan(0) // the emulator farm scenario
    expect(a.share).toBeCloseTo(a.abuseMicros / a.totalMicros, 9)
  })

  it('prompt size histogram counts every request once and flags bins above p99', async () => {
    const h = await promptSizeHistogram(store, range)
    const [{ n }] = await raw(`SELECT count() AS n FROM {db}.events WHERE ${inRange} AND type IN ('llm_request','stream')`)
    expect(h.requests).toBe(Number(n))
    expect(h.p50).toBeLessThan(h.p99)
    expect(h.bins.filter((b) => b.outlier).every((b) => b.lo >= h.p99)).toBe(true)
    expect(h.bins.some((b) => b.outlier)).toBe(true)
  })
})
