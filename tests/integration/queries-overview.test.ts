import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '../../lib/clickhouse/client'
import { attestationSeries } from '../../lib/queries/attestation-series'
import { overviewKpis } from '../../lib/queries/overview-kpis'
import { spendSeries } from '../../lib/queries/spend-series'
import { topSpenderRows, topSpenders } from '../../lib/queries/top-spenders'
import { trafficSeries } from '../../lib/queries/traffic-series'
import { resolveRange, type ResolvedRange } from '../../lib/time-range'
import { rows } from '../helpers/store'
import { loadFixture } from './queries-fixture'

let store: Store & { drop(): Promise<void> }
let range: ResolvedRange
const raw = (sql: string, extra: Record<string, unknown> = {}) =>
  rows<Record<string, number>>(store, sql.replaceAll('{db}', store.database), { from: range.fromMs, to: range.toMs, ...extra })
const inRange = `ts >= fromUnixTimestamp64Milli({from:Int64}) AND ts < fromUnixTimestamp64Milli({to:Int64})`

beforeAll(async () => {
  const f = await loadFixture('q_overview')
  store = f.store
  range = resolveRange({ range: 'custom', from: f.fromMs, to: f.toMs })
})
afterAll(async () => store?.drop())

describe('overview queries answer from rollups what the raw events say', () => {
  it('kpis', async () => {
    const k = await overviewKpis(store, range)
    const [r] = await raw(`SELECT sum(cost_micros) AS spend, countIf(type IN ('llm_request','stream')) AS requests, countIf(type = 'stream') AS streams,
      sumIf(prompt_tokens, type IN ('llm_request','stream')) AS pt, sumIf(completion_tokens, type IN ('llm_request','stream')) AS ct, uniqExactIf(install_id, type != 'policy_ack' AND install_id != '') AS installs,
      countIf(type='attestation' AND verdict='accepted') AS acc, countIf(type='attestation' AND verdict='rejected') AS rej, sumIf(duration_ms, type = 'stream') AS stream_ms
      FROM {db}.events WHERE ${inRange}`)
    expect(k.requests).toBeGreaterThan(1000)
    expect(k.spendMicros).toBe(Number(r.spend))
    expect(k.requests).toBe(Number(r.requests))
    expect(k.streams).toBe(Number(r.streams))
    expect(k.promptTokens).toBe(Number(r.pt))
    expect(k.completionTokens).toBe(Number(r.ct))
    expect(k.attestAccepted).toBe(Number(r.acc))
    expect(k.attestRejected).toBe(Number(r.rej))
    expect(k.avgConcurrentStreams).toBeCloseTo(Number(r.stream_ms) / (range.toMs - range.fromMs), 6)
    // uniq is approximate by design (HyperLogLog-like); within 2% of the exact count.
    expect(Math.abs(k.activeInstalls - Number(r.installs)) / Number(r.installs)).toBeLessThan(0.02)
  })

  it('spend series by feature sums to the raw spend per feature and bucket', async () => {
    const s = await spendSeries(store, range, 'feature', 20)
    const r = await raw(`SELECT feature, sum(cost_micros) AS c FROM {db}.events WHERE ${inRange} AND cost_micros > 0 GROUP BY feature`)
    for (const row of r) expect(s.totals[row.feature as unknown as string]).toBe(Number(row.c))
    const perBucket = await raw(`SELECT toUnixTimestamp(toStartOfMinute(ts)) * 1000 AS t, sum(cost_micros) AS c FROM {db}.events WHERE ${inRange} GROUP BY t`)
    const byT = new Map(s.points.map((p) => [p.t, s.keys.reduce((sum, k) => sum + p[k], 0)]))
    for (const b of perBucket) expect(byT.get(Number(b.t))).toBe(Number(b.c))
    expect(s.points.length).toBe((range.toMs - range.fromMs) / 60_000)
  })

  it('traffic series requests per minute match raw counts; active installs match raw distinct installs (sketch: within 3 %)', async () => {
    const t = await trafficSeries(store, range)
    const r = await raw(
      `SELECT toUnixTimestamp(toStartOfMinute(ts)) * 1000 AS t, countIf(type IN ('llm_request','stream')) AS n, sumIf(prompt_tokens + completion_tokens, type IN ('llm_request','stream')) AS tok,
        uniqExactIf(install_id, type != 'policy_ack' AND install_id != '') AS installs FROM {db}.events WHERE ${inRange} GROUP BY t`,
    )
    const byT = new Map(t.points.map((p) => [p.t, p]))
    expect(r.length).toBeGreaterThan(10)
    for (const b of r) {
      expect(byT.get(Number(b.t))?.requestsPerMin).toBe(Number(b.n))
      expect(byT.get(Number(b.t))?.tokensPerMin).toBe(Number(b.tok))
      expect(Math.abs(byT.get(Number(b.t))!.activeInstalls / Number(b.installs) - 1)).toBeLessThan(0.03)
    }
  })

  it('attestation rejection counts per reason match raw', async () => {
    const a = await attestationSeries(store, range)
    const r = await raw(
      `SELECT arrayJoin(if(empty(reasons), ['other'], reasons)) AS reason, count() AS n FROM {db}.events WHERE ${inRange} AND type='attestation' AND verdict='rejected' GROUP BY reason`,
    )
    expect(r.length).toBeGreaterThan(0)
    for (const row of r) if (a.keys.includes(row.reason as unknown as string)) expect(a.totals[row.reason as unknown as string]).toBe(Number(row.n))
  })

  it('top spenders: first page ordered by spend, totals match raw, paging and sort work', async () => {
    const p = await topSpenders(store, range, { sort: 'cost_micros', dir: 'desc', offset: 0, limit: 5 })
    const r = await raw(
      `SELECT install_id, sum(cost_micros) AS c FROM {db}.events WHERE ${inRange} AND install_id != '' AND type != 'policy_ack' GROUP BY install_id ORDER BY c DESC, install_id LIMIT 5`,
    )
    expect(p.rows.map((x) => x.install_id)).toEqual(r.map((x) => x.install_id))
    expect(p.rows.map((x) => x.cost_micros)).toEqual(r.map((x) => Number(x.c)))
    const [{ n }] = await raw(`SELECT uniqExact(install_id) AS n FROM {db}.events WHERE ${inRange} AND install_id != '' AND type != 'policy_ack'`)
    expect(p.total).toBe(Number(n))
    const p2 = await topSpenders(store, range, { sort: 'cost_micros', dir: 'desc', offset: 1 * 5, limit: 5 })
    expect(p2.rows[0].cost_micros).toBeLessThanOrEqual(p.rows[4].cost_micros)
    const asc = await topSpenders(store, range, { sort: 'requests', dir: 'asc', offset: 0, limit: 3 })
    expect(asc.rows[0].requests).toBeLessThanOrEqual(asc.rows[2].requests)
  })

  it('top spenders, streamed for the export: every install in the page order', async () => {
    const first = await topSpenders(store, range, { sort: 'cost_micros', dir: 'desc', offset: 0, limit: 5 })
    const all: string[] = []
    for await (const r of topSpenderRows(store, range, 'cost_micros', 'desc')) all.push(r.install_id)
    expect(all.length).toBe(first.total)
    expect(all.slice(0, 5)).toEqual(first.rows.map((r) => r.install_id))
  })

  it('top spenders: a page past the end has no rows but still the true total', async () => {
    const first = await topSpenders(store, range, { sort: 'cost_micros', dir: 'desc', offset: 0, limit: 5 })
    expect(first.total).toBeGreaterThan(0)
    const past = await topSpenders(store, range, { sort: 'cost_micros', dir: 'desc', offset: (Math.ceil(first.total / 5) + 3) * 5, limit: 5 })
    expect(past.rows).toEqual([])
    expect(past.total).toBe(first.total)
    // The last real page still carries the total on its rows.
    const last = await topSpenders(store, range, { sort: 'cost_micros', dir: 'desc', offset: (Math.ceil(first.total / 5) - 1) * 5, limit: 5 })
    expect(last.rows.length).toBeGreaterThan(0)
    expect(last.total).toBe(first.total)
    // A tenant with nothing in the window: page 0 and a later page both say 0.
    const none = { ...range, tenant: 'no-such-tenant' }
    expect((await topSpenders(store, none, { sort: 'cost_micros', dir: 'desc', offset: 0, limit: 5 })).total).toBe(0)
    expect((await topSpenders(store, none, { sort: 'cost_micros', dir: 'desc', offset: 2 * 5, limit: 5 })).total).toBe(0)
  })

  it('tenant filter narrows every number', async () => {
    const all = await overviewKpis(store, range)
    const [{ tenant_id }] = await rows<{ tenant_id: string }>(
      store,
      `SELECT tenant_id FROM ${store.database}.events GROUP BY tenant_id ORDER BY count() DESC LIMIT 1`,
    )
    const one = await overviewKpis(store, { ...range, tenant: tenant_id })
    const [r] = await raw(`SELECT sum(cost_micros) AS spend FROM {db}.events WHERE ${inRange} AND tenant_id = {t:String}`, { t: tenant_id })
    expect(one.spendMicros).toBe(Number(r.spend))
    expect(one.spendMicros).toBeLessThan(all.spendMicros)
  })
})
