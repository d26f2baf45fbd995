import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { detectCostAnomalies } from '../../lib/detection/cost-anomalies'
import { DEFAULT_DETECTION_SETTINGS as S } from '../../lib/detection/settings'
import type { CostAnomalyRow } from '../../lib/detection/types'
import type { GatewayEventInput } from '../../lib/events/schema'
import { llmRequest } from '../helpers/events'
import { loadEvents } from '../helpers/load-events'
import { testStore } from '../helpers/store'

const MIN = 60_000

/**
 * Two tenants, 100 minutes of history on chDB. On `double`, 30 of 60 installs
 * move to 5.1.0 20 minutes before `now`, and that version sends every chat
 * call twice (a retry loop): cost per request unchanged, spend of the movers
 * doubled. On `honest`, the 25 heaviest of 60 installs (4 calls a minute where
 * the others make one every 3 minutes) move to 2.1.0 first and keep calling as
 * before, beside 30 new installs that start on it. The lens reads the movers
 * (events) and their minutes (install_minute) and raises only the first.
 */
describe('cost: release volume lens on the store', () => {
  let store: Awaited<ReturnType<typeof testStore>>
  let rows: CostAnomalyRow[]
  const now = Math.floor(Date.now() / MIN) * MIN - 2 * MIN

  beforeAll(async () => {
    store = await testStore('cost_release_volume')
    const events: GatewayEventInput[] = []
    const call = (tenant: string, id: string, version: string, ts: number) =>
      events.push(llmRequest({ tenant_id: tenant, install_id: id, app_version: version, feature: 'chat_assistant', ts }))
    for (let i = 0; i < 60; i++) {
      const movedAt = now - 20 * MIN + (i % 10) * 20_000
      for (let ts = now - 100 * MIN + i * 1_000; ts < now; ts += (i % 2 ? 2 : 3) * MIN) {
        const moved = i < 30 && ts >= movedAt
        call('double', `d-${i}`, moved ? '5.1.0' : '5.0.0', ts)
        if (moved) call('double', `d-${i}`, '5.1.0', ts + 1_500)
      }
      const heavy = i < 25
      for (let ts = now - 100 * MIN + i * 1_000; ts < now; ts += heavy ? 15_000 : 3 * MIN)
        call('honest', `h-${i}`, heavy && ts >= movedAt ? '2.1.0' : '2.0.0', ts)
    }
    for (let i = 0; i < 30; i++) for (let ts = now - 15 * MIN + i * 1_000; ts < now; ts += 2 * MIN) call('honest', `new-${i}`, '2.1.0', ts)
    const loaded = await loadEvents(store, events, now)
    expect(loaded.deadLetters).toBe(0)
    rows = await detectCostAnomalies(store, S, now)
  }, 120_000)
  afterAll(async () => store?.drop())

  it('raises the release that doubles calls, with the requests-per-install reason', () => {
    const row = rows.find((r) => r.subject === 'double/chat_assistant/5.1.0')!
    expect(row.severity).not.toBeNull()
    expect(row.release_volume).toMatchObject({ installs: 30, decided: true })
    expect(row.release_volume!.ratio).toBeGreaterThan(1.8)
    expect(row.reasons.join(' ')).toMatch(/requests per install 2\.\d\dx/)
  })

  it('raises nothing for an honest release adopted first by heavy users plus new installs', () => {
    const row = rows.find((r) => r.subject === 'honest/chat_assistant/2.1.0')!
    expect(row.release_volume!.installs).toBe(25)
    expect(row.release_volume!.ratio).toBeLessThan(1.2)
    expect(rows.filter((r) => r.tenant_id === 'honest' && r.severity)).toEqual([])
  })
})
