import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '../../lib/clickhouse/client'
import { migrate } from '../../lib/clickhouse/migrate'
import { MIGRATIONS } from '../../lib/clickhouse/migrations'
import { seedHistory } from '../../lib/seed/history'
import { rows, testStore } from '../helpers/store'

/**
 * kpi_minute, kpi_hour, kpi_day (migration 0065): per time and tenant, and for all tenants (tenant_id ''), the KPIs'
 * sums and the tenant-total install sketch. Fed by views as events arrive, or backfilled from the older rollups when
 * the migration runs on a store that already holds events: either way each row equals the raw events of its time.
 */
let live: Store & { drop(): Promise<void> }
let backfilled: Store
let seeded: Store
const MIN = 60_000
const HOUR = 60 * MIN
const end = Math.floor(Date.now() / HOUR) * HOUR - HOUR

/** 30 installs over 3 days in two tenants: calls, attestations (some rejected) and policy denials. */
function events() {
  const out: Record<string, unknown>[] = []
  for (let i = 0; i < 30; i++)
    for (let t = end - 3 * 24 * HOUR + (i % 50) * MIN, n = 0; t < end; t += ((i % 5) + 1) * HOUR + 7 * MIN, n++) {
      const base = { ts: t, tenant_id: i % 3 ? 't1' : 't2', install_id: `i${i}`, app_version: '1.0', platform: 'android' }
      out.push({
        ...base,
        event_id: `c${i}-${t}`,
        type: 'llm_request',
        feature: i % 2 ? 'chat' : 'search',
        model: 'm',
        cost_micros: 50 + i + n,
        prompt_tokens: 20 + i,
        completion_tokens: 4 + (n % 3),
        outcome: 'served',
      })
      if (n % 4 === 0) out.push({ ...base, ts: t + 1000, event_id: `a${i}-${t}`, type: 'attestation', verdict: i % 7 ? 'accepted' : 'rejected' })
      if (n % 9 === 0) out.push({ ...base, ts: t + 2000, event_id: `d${i}-${t}`, type: 'policy_denial' })
    }
  return out
}

beforeAll(async () => {
  live = await testStore('kpi_rollups_live')
  await live.client.insert({ table: `${live.database}.events`, values: events(), format: 'JSONEachRow' })
  // A second database in the same engine (chDB opens one data directory per process), first without migration 0065.
  backfilled = { ...live, database: `${live.database}_backfill` }
  await migrate(backfilled, { retentionDays: 30, migrations: MIGRATIONS.filter((m) => m.version < 65) })
  await backfilled.client.insert({ table: `${backfilled.database}.events`, values: events(), format: 'JSONEachRow' })
  await migrate(backfilled, { retentionDays: 30 })
  // The month seeded on first start writes usage_minute and installs_dim_minute directly, not events.
  seeded = { ...live, database: `${live.database}_seed` }
  await migrate(seeded, { retentionDays: 30 })
  expect(await seedHistory(seeded, { days: 3, endMs: end, seed: 7, installs: 60, ratePerSec: 5, slotS: 3600 })).not.toBeNull()
}, 180_000)
afterAll(async () => {
  for (const other of [backfilled, seeded]) if (other) await live.client.command({ query: `DROP DATABASE IF EXISTS ${other.database} SYNC` })
  await live?.drop()
})

const FIGURES = `sum(cost_micros) AS cost, sum(requests) AS requests, sum(prompt_tokens) AS prompt, sum(completion_tokens) AS completion,
  sum(attest_accepted) AS accepted, sum(attest_rejected) AS rejected, sum(policy_denials) AS denials, sum(streams) AS streams,
  sum(stream_ms) AS stream_ms, sum(upstream_errors) AS errors, uniqCombinedMerge(14)(installs) AS installs`

/** The rollup's figures per time bucket and tenant ('' = all tenants). */
const rollup = (store: Store, time: string) =>
  rows(store, `SELECT toString(${time}) AS t, tenant_id AS tenant, ${FIGURES} FROM ${store.database}.kpi_${time} GROUP BY t, tenant ORDER BY t, tenant`)

/** The same figures straight from the events. */
const raw = (store: Store, bucket: string) =>
  rows(
    store,
    `SELECT toString(${bucket}(ts)) AS t, tenant_id AS tenant,
      sumIf(cost_micros, type = 'llm_request') AS cost, countIf(type = 'llm_request') AS requests,
      sumIf(toUInt64(prompt_tokens), type = 'llm_request') AS prompt, sumIf(toUInt64(completion_tokens), type = 'llm_request') AS completion,
      countIf(verdict = 'accepted') AS accepted, countIf(verdict = 'rejected') AS rejected, countIf(type = 'policy_denial') AS denials,
      toUInt64(0) AS streams, toUInt64(0) AS stream_ms, toUInt64(0) AS errors, uniqCombined(14)(install_id) AS installs
    FROM ${store.database}.events GROUP BY GROUPING SETS ((t, tenant_id), (t)) ORDER BY t, tenant`,
  )

describe('the KPI rollups', () => {
  for (const [time, bucket] of [
    ['minute', 'toStartOfMinute'],
    ['hour', 'toStartOfHour'],
    ['day', 'toStartOfDay'],
  ])
    it(`kpi_${time} equals the raw events per ${time} and tenant, and for all tenants, fed by the views or backfilled`, async () => {
      const expected = await raw(live, bucket)
      expect(expected.length).toBeGreaterThan(time === 'day' ? 8 : 100)
      expect(expected.some((r) => r.tenant === '')).toBe(true)
      expect(await rollup(live, time)).toEqual(expected)
      expect(await rollup(backfilled, time)).toEqual(expected)
    })
})

describe('the seeded month', () => {
  it('fills the KPI rollups with what the seed wrote into the usage rollups and the install sketches', async () => {
    const db = seeded.database
    const expected = await rows(
      seeded,
      `SELECT toString(day) AS t, tenant, sum(cost) AS cost, sum(requests) AS requests, sum(rejected) AS rejected, max(installs) AS installs FROM (
        SELECT day, tenant_id AS tenant, sum(cost_micros) AS cost, sum(requests) AS requests, sum(attest_rejected) AS rejected, 0 AS installs
        FROM ${db}.usage_day GROUP BY GROUPING SETS ((day, tenant_id), (day))
        UNION ALL
        SELECT day, tenant_id, 0, 0, 0, uniqCombinedMerge(14)(installs) FROM ${db}.installs_dim_day WHERE dim = '' GROUP BY GROUPING SETS ((day, tenant_id), (day)))
      GROUP BY t, tenant ORDER BY t, tenant`,
    )
    expect(expected.length).toBeGreaterThan(4)
    expect(expected.every((r) => Number(r.cost) > 0 && Number(r.installs) > 0)).toBe(true)
    const stored = await rows(
      seeded,
      `SELECT toString(day) AS t, tenant_id AS tenant, sum(cost_micros) AS cost, sum(requests) AS requests, sum(attest_rejected) AS rejected,
        uniqCombinedMerge(14)(installs) AS installs FROM ${db}.kpi_day GROUP BY t, tenant ORDER BY t, tenant`,
    )
    expect(stored).toEqual(expected)
  })
})
