import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '../../lib/clickhouse/client'
import { costBreakdown } from '../../lib/queries/cost-breakdown'
import { unpricedModels } from '../../lib/queries/unpriced-models'
import { resolveRange } from '../../lib/time-range'
import { llmRequest } from '../helpers/events'
import { loadEvents } from '../helpers/load-events'
import { rows } from '../helpers/store'
import { testStore } from '../helpers/store'

let store: Store & { drop(): Promise<void> }
const now = Math.floor(Date.now() / 60_000) * 60_000
const range = (tenant = '') => resolveRange({ range: 'custom', from: now - 30 * 60_000, to: now + 60_000, tenant })

beforeAll(async () => {
  store = await testStore('unpriced')
  const at = (i: number) => now - 20 * 60_000 + i * 1_000
  await loadEvents(store, [
    // A dated snapshot and a provider path: priced as their family.
    ...Array.from({ length: 4 }, (_, i) => llmRequest({ ts: at(i), model: 'gpt-4o-mini-2024-07-18' })),
    ...Array.from({ length: 2 }, (_, i) => llmRequest({ ts: at(10 + i), model: 'openai/gpt-4o-mini' })),
    // A model nobody priced: stored at $0 and named.
    ...Array.from({ length: 3 }, (_, i) => llmRequest({ ts: at(20 + i), model: 'in-house-llm', tenant_id: 'globex' })),
    llmRequest({ ts: at(30), model: 'in-house-llm-v2', tenant_id: 'acme' }),
    // The gateway's own cost needs no catalog.
    llmRequest({ ts: at(31), model: 'in-house-llm', cost_micros: 1234 }),
  ])
})
afterAll(async () => store?.drop())

describe('calls on models without a price', () => {
  it('prices snapshots and provider paths as their family, not at $0', async () => {
    const stored = await rows<{ model: string; cost_source: string; c: number }>(
      store,
      `SELECT model, cost_source, sum(cost_micros) AS c FROM ${store.database}.events WHERE model LIKE '%gpt-4o-mini%' GROUP BY model, cost_source ORDER BY model`,
    )
    expect(stored.map((r) => [r.model, r.cost_source])).toEqual([
      ['gpt-4o-mini-2024-07-18', 'catalog'],
      ['openai/gpt-4o-mini', 'catalog'],
    ])
    // 1000 in × $0.15/M + 200 out × $0.60/M = 150 + 120 µ$ a call.
    expect(stored.map((r) => Number(r.c))).toEqual([4 * 270, 2 * 270])
  })

  it('lists the unpriced models of the range, per tenant, and the cost views leave them at $0', async () => {
    expect(await unpricedModels(store, range())).toEqual([
      { model: 'in-house-llm', calls: 3, tokens: 3 * 1200, last_at: now - 20 * 60_000 + 22_000 },
      { model: 'in-house-llm-v2', calls: 1, tokens: 1200, last_at: now - 20 * 60_000 + 30_000 },
    ])
    expect((await unpricedModels(store, range('acme'))).map((m) => m.model)).toEqual(['in-house-llm-v2'])
    expect(await unpricedModels(store, range('initech'))).toEqual([])
    const byModel = await costBreakdown(store, range(), 'model', { sort: 'key', dir: 'asc', offset: 0, limit: 10 })
    expect(byModel.rows.find((r) => r.key === 'in-house-llm')).toMatchObject({ requests: 4, cost_micros: 1234 })
  })
})
