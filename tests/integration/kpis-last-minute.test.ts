import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '../../lib/clickhouse/client'
import { overviewKpis } from '../../lib/queries/overview-kpis'
import { resolveRange } from '../../lib/time-range'
import { rows, testStore } from '../helpers/store'

/**
 * The KPIs read their "right now" minute in the same read of usage_minute as the window's edge minutes (flagged rows):
 * the window's sums must not count it twice, and it must be found when it lies in the hour tier (a window ending on a
 * whole hour has no edge minutes at its end) as well as in the minute edges.
 */
let store: Store & { drop(): Promise<void> }
const MIN = 60_000
const HOUR = 60 * MIN
const base = Math.floor(Date.now() / HOUR) * HOUR - 4 * HOUR

/** Install i sends a request every (i % 5 + 1) minutes over 3 hours, costs varying by install and time. */
function events() {
  const out: Record<string, unknown>[] = []
  for (let i = 0; i < 30; i++)
    for (let t = base + (i % 4) * 1000; t < base + 3 * HOUR; t += ((i % 5) + 1) * MIN)
      out.push({
        ts: t,
        event_id: `e${i}-${t}`,
        tenant_id: i % 2 ? 't1' : 't2',
        install_id: `i${i}`,
        app_version: '1.0',
        platform: 'ios',
        type: 'llm_request',
        feature: 'chat',
        model: 'm',
        cost_micros: 100 + i + (Math.floor(t / MIN) % 7),
        prompt_tokens: 10 + i,
        completion_tokens: 3,
        outcome: 'served',
      })
  return out
}

beforeAll(async () => {
  store = await testStore('kpis_last_minute')
  await store.client.insert({ table: `${store.database}.events`, values: events(), format: 'JSONEachRow' })
})
afterAll(async () => store?.drop())

const raw = async (from: number, to: number, tenant: string) => {
  const [r] = await rows<{ spend: string; requests: string; tokens: string }>(
    store,
    `SELECT sum(cost_micros) AS spend, count() AS requests, sum(prompt_tokens + completion_tokens) AS tokens FROM ${store.database}.events
     WHERE ts >= fromUnixTimestamp64Milli({from:Int64}) AND ts < fromUnixTimestamp64Milli({to:Int64}) AND ({tenant:String} = '' OR tenant_id = {tenant:String})`,
    { from, to, tenant },
  )
  return { spend: Number(r.spend), requests: Number(r.requests), tokens: Number(r.tokens) }
}

describe('the KPIs’ last minute, read with the edge minutes', () => {
  it('equals the raw events of that minute, and the window’s sums count it once, wherever the window ends', async () => {
    for (const [from, to] of [
      [base + 7 * MIN, base + 2 * HOUR], // ends on a whole hour: the last minute is in the hour tier
      [base + 7 * MIN, base + 2 * HOUR + 23 * MIN], // ends mid-hour: the last minute is an edge minute
      [base, base + 3 * HOUR], // hours only
    ]) {
      for (const tenant of ['', 't1']) {
        const k = await overviewKpis(store, { ...resolveRange({ range: 'custom', from, to }), tenant })
        const window = await raw(from, to, tenant)
        const last = await raw(to - MIN, to, tenant)
        expect(window.requests).toBeGreaterThan(0)
        expect(last.requests).toBeGreaterThan(0)
        expect([k.spendMicros, k.requests, k.promptTokens + k.completionTokens]).toEqual([window.spend, window.requests, window.tokens])
        expect(k.lastMinute).toEqual({ t: to - MIN, spendMicros: last.spend, requests: last.requests, tokens: last.tokens })
      }
    }
  })
})
