import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { detectCostAnomalies } from '../../lib/detection/cost-anomalies'
import { DEFAULT_DETECTION_SETTINGS as S } from '../../lib/detection/settings'
import type { CostAnomalyRow } from '../../lib/detection/types'
import type { GatewayEventInput } from '../../lib/events/schema'
import { defaultPriceBook } from '../../lib/pricing/cost'
import { llmRequest } from '../helpers/events'
import { loadEvents } from '../helpers/load-events'
import { testStore } from '../helpers/store'

const MIN = 60_000

/**
 * Two tenants whose gateways meter every call (cost_micros on each event),
 * 100 minutes of history on chDB, 30 installs calling chat_assistant on
 * gpt-4o-mini about once a minute. From 4 minutes before `now` the gateway of
 * `repriced` bills 1.3x the catalog (a price rise) for the same tokens; `steady`
 * keeps billing the catalog price while its requests grow 1.3x. The price lens
 * prices each minute's token sums (usage_minute) at the catalog and raises
 * only the first, on the model; its feature row is explained by the price.
 */
describe('cost: price lens on the store', () => {
  let store: Awaited<ReturnType<typeof testStore>>
  let rows: CostAnomalyRow[]
  const now = Math.floor(Date.now() / MIN) * MIN - 2 * MIN

  beforeAll(async () => {
    store = await testStore('cost_price')
    const events: GatewayEventInput[] = []
    for (const tenant of ['repriced', 'steady'])
      for (let i = 0; i < 30; i++)
        for (let ts = now - 100 * MIN + i * 1_900; ts < now; ts += MIN - 7_000 + ((i * 7) % 13) * 1_000) {
          const late = ts >= now - 4 * MIN
          const prompt = Math.round((600 + ((i * 131 + ts / 1_000) % 900)) * (tenant === 'steady' && late ? 1.3 : 1))
          const completion = 150 + (i % 7) * 40
          const catalog = defaultPriceBook.costMicros('gpt-4o-mini', ts, prompt, completion)!
          const billed = Math.round(catalog * (tenant === 'repriced' && late ? 1.3 : 1))
          events.push(
            llmRequest({
              tenant_id: tenant,
              install_id: `${tenant}-${i}`,
              ts,
              prompt_tokens: prompt,
              completion_tokens: completion,
              context_tokens: prompt,
              cost_micros: billed,
            }),
          )
        }
    const loaded = await loadEvents(store, events, now)
    expect(loaded.deadLetters).toBe(0)
    rows = await detectCostAnomalies(store, S, now)
  }, 120_000)
  afterAll(async () => store?.drop())

  it('raises the model whose billed cost per catalog-priced token rose, with the price reason', () => {
    const row = rows.find((r) => r.kind === 'price_per_token' && r.subject === 'repriced/gpt-4o-mini')!
    expect(row.severity).not.toBeNull()
    expect(row.ratio).toBeGreaterThan(1.15)
    expect(row.ratio).toBeLessThan(1.31)
    expect(row.reasons[0]).toMatch(/gpt-4o-mini billed 1\.\d\dx its catalog price/)
    expect(rows.filter((r) => r.tenant_id === 'repriced' && r.severity).map((r) => r.kind)).toEqual(['price_per_token'])
  })

  it('leaves the price alone when only the requests grew', () => {
    const row = rows.find((r) => r.kind === 'price_per_token' && r.subject === 'steady/gpt-4o-mini')!
    expect(row.ratio).toBeGreaterThan(0.98)
    expect(row.ratio).toBeLessThan(1.02)
    expect(row.severity).toBeNull()
  })
})
