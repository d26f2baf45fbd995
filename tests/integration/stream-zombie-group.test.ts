import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GatewayEventInput } from '../../lib/events/schema'
import { streamEvents } from '../helpers/stream-events'
import { DEFAULT_DETECTION_SETTINGS as S } from '../../lib/detection/settings'
import { detectStreamAbuse } from '../../lib/detection/stream-abuse'
import { streamFindings } from '../../lib/detection/detect-all'
import { zombieGroupSubject } from '../../lib/detection/stream-zombie-group'
import { eventLoader } from '../helpers/load-events'
import { testStore } from '../helpers/store'

/**
 * Zombie streams one per install over several installs (stream-zombie-group.ts) end to end: events through the real
 * ingest path into a migrated store. In one tenant 6 installs each hold one near-silent stream open for 12 minutes
 * (progress reports every 30 s, a token every 30 s) beside 40 ordinary installs; in another, 2 installs do. Both
 * ways the detector reads its window, the first tenant gets one group naming the 6 and no install alert; the second
 * nothing.
 */
let store: Awaited<ReturnType<typeof testStore>>
beforeAll(async () => {
  store = await testStore('zombie_group')
})
afterAll(async () => {
  await store?.drop()
})

const MIN = 60_000
const t0 = Math.floor((Date.now() - 30 * MIN) / MIN) * MIN
const now = t0 + 20 * MIN
const stream = (tenant: string, install: string, start: number, durationMs: number, tokensPerSec: number) =>
  streamEvents({ tenant, install, start, durationMs, until: now, tokensPerSec })

function tenantEvents(tenant: string, holders: number): GatewayEventInput[] {
  const events: GatewayEventInput[] = []
  for (let i = 0; i < 40; i++) for (let m = 6; m < 20; m += 3) events.push(...stream(tenant, `${tenant}-user-${i}`, t0 + m * MIN + 2_000 * i, 8_000, 40))
  for (let i = 0; i < holders; i++) events.push(...stream(tenant, `${tenant}-holder-${i}`, now - 12 * MIN + 20_000 * i, 40 * MIN, 1 / 30))
  return events
}

describe('stream abuse: zombie streams spread over installs', () => {
  it('groups six installs holding one zombie each; two such installs in another tenant raise nothing', async () => {
    expect(await eventLoader(store).load([...tenantEvents('zacme', 6), ...tenantEvents('zglobex', 2)], now)).toMatchObject({ deadLetters: 0 })
    for (const kept of [false, true]) {
      const rows = await detectStreamAbuse(store, S, now, { kept })
      const group = rows.find((r) => r.install_id === zombieGroupSubject('zacme'))!
      expect(group.score, `kept ${kept}`).toBeGreaterThanOrEqual(50)
      expect([...group.members!].sort()).toEqual(Array.from({ length: 6 }, (_, i) => `zacme-holder-${i}`).sort())
      expect(group.reasons[0]).toMatch(/6 of 46 installs that streamed in the window each hold a zombie stream/)
      const alerting = streamFindings(rows.filter((r) => r.score >= 50))
      expect(alerting.map((f) => [f.subject, f.subject_kind])).toEqual([[zombieGroupSubject('zacme'), 'cluster']])
      expect(rows.find((r) => r.install_id === zombieGroupSubject('zglobex'))).toBeUndefined()
    }
  })
})
