import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '../../lib/clickhouse/client'
import { deadLetterReasons } from '../../lib/queries/dead-letter-reasons'
import { deadLetterSamples } from '../../lib/queries/dead-letter-samples'
import { installEvents } from '../../lib/queries/install-events'
import { installProfiles } from '../../lib/queries/install-profiles'
import { installTimeline } from '../../lib/queries/install-timeline'
import { newestEventTs } from '../../lib/queries/newest-event'
import { tenants } from '../../lib/queries/tenants'
import { resolveRange, type ResolvedRange } from '../../lib/time-range'
import { rows } from '../helpers/store'
import { loadFixture } from './queries-fixture'

let store: Store & { drop(): Promise<void> }
let range: ResolvedRange
let install: { install_id: string; tenant_id: string }

beforeAll(async () => {
  const f = await loadFixture('q_installs')
  store = f.store
  range = resolveRange({ range: 'custom', from: f.fromMs, to: f.toMs })
  ;[install] = await rows<{ install_id: string; tenant_id: string }>(
    store,
    `SELECT install_id, any(tenant_id) AS tenant_id FROM ${store.database}.events WHERE install_id != '' GROUP BY install_id ORDER BY sum(cost_micros) DESC LIMIT 1`,
  )
})
afterAll(async () => store?.drop())

describe('install drill-down and ingest queries', () => {
  it('profile counters equal raw lifetime counts', async () => {
    const [p] = await installProfiles(store, [install.install_id])
    const [r] = await rows<Record<string, number>>(
      store,
      `SELECT count() AS events, sum(cost_micros) AS c, countIf(verdict='accepted') AS acc, countIf(verdict='rejected') AS rej
      FROM ${store.database}.events WHERE install_id = {id:String}`,
      { id: install.install_id },
    )
    expect(p.tenant_id).toBe(install.tenant_id)
    expect(p.events).toBe(Number(r.events))
    expect(p.cost_micros).toBe(Number(r.c))
    expect(p.attest_accepted).toBe(Number(r.acc))
    expect(p.attest_rejected).toBe(Number(r.rej))
  })

  it('timeline sums to the raw spend and requests of the install', async () => {
    const t = await installTimeline(store, range, install.install_id)
    const [r] = await rows<Record<string, number>>(
      store,
      `SELECT sum(cost_micros) AS c, countIf(type IN ('llm_request','stream')) AS n FROM ${store.database}.events
      WHERE install_id = {id:String} AND ts >= fromUnixTimestamp64Milli({from:Int64}) AND ts < fromUnixTimestamp64Milli({to:Int64})`,
      { id: install.install_id, from: range.fromMs, to: range.toMs },
    )
    expect(t.points.reduce((s, p) => s + p.cost_micros, 0)).toBe(Number(r.c))
    expect(t.points.reduce((s, p) => s + p.requests, 0)).toBe(Number(r.n))
  })

  it('timeline read from raw events counts every bucket as the install_minute rollup does', async () => {
    const t = await installTimeline(store, range, install.install_id)
    const rollup = await rows<Record<string, number>>(
      store,
      `
      SELECT toUnixTimestamp(toStartOfInterval(minute, toIntervalSecond({step:UInt32}))) * 1000 AS t, sum(cost_micros) AS cost_micros,
        sum(requests) AS requests, sum(prompt_tokens + completion_tokens) AS tokens, sum(streams) AS streams, sum(stream_ms) AS stream_ms,
        max(max_context_tokens) AS max_context_tokens, sum(attest_rejected) AS attest_rejected, sum(policy_denials) AS policy_denials
      FROM ${store.database}.install_minute
      WHERE install_id = {id:String} AND minute >= toDateTime({from:UInt32}, 'UTC') AND minute < toDateTime({to:UInt32}, 'UTC')
      GROUP BY t ORDER BY t`,
      { id: install.install_id, step: range.stepS, from: Math.floor(range.fromMs / 1000), to: Math.ceil(range.toMs / 1000) },
    )
    expect(rollup.length).toBeGreaterThan(1)
    const byT = new Map(t.points.map((p) => [p.t, p]))
    for (const r of rollup) {
      const p = byT.get(Number(r.t))
      expect(p, `bucket ${r.t}`).toBeDefined()
      for (const k of ['cost_micros', 'requests', 'tokens', 'streams', 'max_context_tokens', 'attest_rejected', 'policy_denials'] as const) {
        expect(p![k], `${k} at ${r.t}`).toBe(Number(r[k]))
      }
      expect(p!.concurrent_streams).toBeCloseTo(Number(r.stream_ms) / (range.stepS * 1000), 9)
    }
    const nonEmpty = t.points.filter((p) => p.requests + p.attest_rejected + p.policy_denials + p.cost_micros > 0)
    expect(nonEmpty.length).toBe(
      rollup.filter((r) => Number(r.requests) + Number(r.attest_rejected) + Number(r.policy_denials) + Number(r.cost_micros) > 0).length,
    )
  })

  it('events page: newest first, filtered by type, total counts all', async () => {
    const page = await installEvents(store, range, install.tenant_id, install.install_id, 'attestation', { sort: 'ts', dir: 'desc', offset: 0, limit: 10 })
    expect(page.rows.every((e) => e.type === 'attestation')).toBe(true)
    for (let i = 1; i < page.rows.length; i++) expect(page.rows[i - 1].ts).toBeGreaterThanOrEqual(page.rows[i].ts)
    const all = await installEvents(store, range, install.tenant_id, install.install_id, 'all', { sort: 'ts', dir: 'desc', offset: 0, limit: 10 })
    expect(all.total).toBeGreaterThanOrEqual(page.total)
  })

  it('events page past the end: no rows, but the true total of that type', async () => {
    const first = await installEvents(store, range, install.tenant_id, install.install_id, 'all', { sort: 'ts', dir: 'desc', offset: 0, limit: 10 })
    const [{ n }] = await rows<{ n: number }>(
      store,
      `SELECT count() AS n FROM ${store.database}.events
      WHERE tenant_id = {tenant:String} AND install_id = {install:String} AND ts >= fromUnixTimestamp64Milli({from:Int64}) AND ts < fromUnixTimestamp64Milli({to:Int64})`,
      { tenant: install.tenant_id, install: install.install_id, from: range.fromMs, to: range.toMs },
    )
    expect(first.total).toBe(Number(n))
    const past = await installEvents(store, range, install.tenant_id, install.install_id, 'all', {
      sort: 'ts',
      dir: 'desc',
      offset: (Math.ceil(first.total / 10) + 2) * 10,
      limit: 10,
    })
    expect(past.rows).toEqual([])
    expect(past.total).toBe(first.total)
    const att = await installEvents(store, range, install.tenant_id, install.install_id, 'attestation', { sort: 'ts', dir: 'asc', offset: 0, limit: 10 })
    const attPast = await installEvents(store, range, install.tenant_id, install.install_id, 'attestation', {
      sort: 'ts',
      dir: 'asc',
      offset: 99_990,
      limit: 10,
    })
    expect(attPast).toMatchObject({ rows: [], total: att.total })
  })

  it('dead letters by reason and samples', async () => {
    const wide = resolveRange({ range: 'custom', from: Date.now() - 86_400_000, to: Date.now() + 60_000 })
    const reasons = await deadLetterReasons(store, wide)
    const [{ n }] = await rows<{ n: number }>(store, `SELECT count() AS n FROM ${store.database}.dead_letters`)
    expect(reasons.reduce((s, r) => s + r.count, 0)).toBe(Number(n))
    const samples = await deadLetterSamples(store, wide, reasons[0].reason, { sort: 'received_at', dir: 'desc', offset: 0, limit: 2 })
    expect(samples.rows.length).toBeGreaterThan(0)
    expect(samples.rows[0].payload).toContain('nope')
    expect(samples.total).toBe(reasons[0].count)
    // A page past the end still says how many there are, so the table can offer a way back.
    const past = await deadLetterSamples(store, wide, reasons[0].reason, { sort: 'received_at', dir: 'desc', offset: 19_998, limit: 2 })
    expect(past).toMatchObject({ rows: [], total: reasons[0].count })
  })

  it('tenants and freshness', async () => {
    expect((await tenants(store)).length).toBeGreaterThan(1)
    expect(await newestEventTs(store)).toBeGreaterThan(range.toMs - 120_000)
  })
})
