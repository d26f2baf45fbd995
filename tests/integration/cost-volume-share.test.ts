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
 * Two tenants, 80 minutes of history on chDB, 60 installs each calling chat
 * every minute and summarize every 4 minutes (summarize: a fifth of the
 * tenant's calls). In the last 6 minutes summarize's calls triple on both:
 * on `retry` every install sends each summarize call three times (a retry
 * loop), on `peak` 120 more people open the app and call it as the others
 * do. The volume share lens reads active installs per minute (usage_minute's
 * uniq state) only for the features it would raise, and raises only the first.
 */
describe('cost: volume share lens on the store, calls per active install-minute', () => {
  let store: Awaited<ReturnType<typeof testStore>>
  let rows: CostAnomalyRow[]
  const now = Math.floor(Date.now() / MIN) * MIN - 2 * MIN
  const surgeFrom = now - 6 * MIN

  beforeAll(async () => {
    store = await testStore('cost_volume_share')
    const events: GatewayEventInput[] = []
    const call = (tenant: string, id: string, feature: string, ts: number) =>
      events.push(llmRequest({ tenant_id: tenant, install_id: id, app_version: '3.0.0', feature, ts }))
    for (const tenant of ['retry', 'peak'])
      for (let i = 0; i < 60; i++) {
        const id = `${tenant}-${i}`
        for (let ts = now - 80 * MIN + i * 500; ts < now; ts += MIN) call(tenant, id, 'chat_assistant', ts)
        for (let ts = now - 80 * MIN + i * 4_000; ts < now; ts += 4 * MIN) {
          call(tenant, id, 'summarize', ts)
          if (tenant === 'retry' && ts >= surgeFrom) for (const copy of [1, 2]) call(tenant, id, 'summarize', ts + copy * 300)
        }
      }
    for (let i = 0; i < 120; i++) for (let ts = surgeFrom + i * 2_000; ts < now; ts += 4 * MIN) call('peak', `evening-${i}`, 'summarize', ts)
    const loaded = await loadEvents(store, events, now)
    expect(loaded.deadLetters).toBe(0)
    rows = await detectCostAnomalies(store, S, now)
  }, 120_000)
  afterAll(async () => store?.drop())

  it('raises a retry loop: each active install calls three times as often', () => {
    const row = rows.find((r) => r.kind === 'spend_rate' && r.subject === 'retry/summarize')!
    expect(row.severity).not.toBeNull()
    const perInstall = Number(/([\d.]+)x its calls per active install-minute/.exec(row.reasons[0])?.[1])
    expect(perInstall).toBeGreaterThan(2.5)
  })

  it('spares a peak of people: as many more calls, from more installs each calling as before', () => {
    const row = rows.find((r) => r.kind === 'spend_rate' && r.subject === 'peak/summarize')!
    expect(row.ratio).toBeGreaterThan(S.costMinRatio)
    expect(row.reasons[0]).toMatch(/more installs are active, each calling as before/)
    expect(rows.filter((r) => r.tenant_id === 'peak' && r.severity)).toEqual([])
  })
})
