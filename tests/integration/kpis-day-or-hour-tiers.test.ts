import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '../../lib/clickhouse/client'
import { KPI_HOURS_UP_TO_MS, overviewKpis } from '../../lib/queries/overview-kpis'
import { resolveRange } from '../../lib/time-range'
import { rows, testStore } from '../helpers/store'

/**
 * Up to KPI_HOURS_UP_TO_MS the KPIs read whole hours instead of whole days (fewer table reads); past it whole days.
 * Either way the window's sums and active installs must be those of the raw events: windows across whole UTC days
 * on both sides of the bound, all tenants and one.
 */
let store: Store & { drop(): Promise<void> }
const MIN = 60_000
const HOUR = 60 * MIN
const DAY = 24 * HOUR
const end = Math.floor(Date.now() / HOUR) * HOUR - HOUR

/** 40 installs over 12 days: install i calls every (i % 7 + 1) hours, at a minute that varies with i. */
function events() {
  const out: Record<string, unknown>[] = []
  for (let i = 0; i < 40; i++)
    for (let t = end - 12 * DAY + (i % 50) * MIN; t < end; t += ((i % 7) + 1) * HOUR)
      out.push({
        ts: t,
        event_id: `e${i}-${t}`,
        tenant_id: i % 3 ? 't1' : 't2',
        install_id: `i${i}`,
        app_version: '1.0',
        platform: 'android',
        type: 'llm_request',
        feature: 'chat',
        model: 'm',
        cost_micros: 50 + i + (Math.floor(t / HOUR) % 11),
        prompt_tokens: 20 + i,
        completion_tokens: 4,
        outcome: 'served',
      })
  return out
}

beforeAll(async () => {
  store = await testStore('kpis_day_or_hour')
  await store.client.insert({ table: `${store.database}.events`, values: events(), format: 'JSONEachRow' })
})
afterAll(async () => store?.drop())

const raw = async (from: number, to: number, tenant: string) => {
  const [r] = await rows<{ spend: string; requests: string; installs: string }>(
    store,
    `SELECT sum(cost_micros) AS spend, count() AS requests, uniqCombined(14)(install_id) AS installs FROM ${store.database}.events
     WHERE ts >= fromUnixTimestamp64Milli({from:Int64}) AND ts < fromUnixTimestamp64Milli({to:Int64}) AND ({tenant:String} = '' OR tenant_id = {tenant:String})`,
    { from, to, tenant },
  )
  return { spend: Number(r.spend), requests: Number(r.requests), installs: Number(r.installs) }
}

describe('the KPIs over whole days, read from the hour tiers or the day tiers', () => {
  it('equal the raw events on both sides of KPI_HOURS_UP_TO_MS', async () => {
    for (const span of [3 * DAY + 5 * HOUR + 17 * MIN, KPI_HOURS_UP_TO_MS, KPI_HOURS_UP_TO_MS + 2 * DAY + 7 * MIN]) {
      const from = end - span
      for (const tenant of ['', 't2']) {
        const k = await overviewKpis(store, { ...resolveRange({ range: 'custom', from, to: end }), tenant })
        const window = await raw(from, end, tenant)
        expect(window.requests).toBeGreaterThan(100)
        expect([k.spendMicros, k.requests, k.activeInstalls]).toEqual([window.spend, window.requests, window.installs])
      }
    }
  })
})
