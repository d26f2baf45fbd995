import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '../../lib/clickhouse/client'
import { selectRows } from '../../lib/clickhouse/select'
import { keptWindowUsage, resetWindowMinutes } from '../../lib/detection/bombing-window-minutes'
import { usageOf } from '../../lib/detection/prompt-bombing-rows'
import { toSec } from '../../lib/detection/query'
import { DEFAULT_DETECTION_SETTINGS as S } from '../../lib/detection/settings'
import { installUsageSql } from '../../lib/detection/sql/install-usage'
import { GatewaySimulator } from '../../lib/simulator'
import { eventLoader } from '../helpers/load-events'
import { testStore } from '../helpers/store'

/**
 * The window pass keeps running totals per key id (added as minutes come, subtracted as they go, maxima recomputed
 * when a dropped row held one) and renumbers its key ids once most installs have left the window (KeyIds.compact,
 * from 1,000 keys). Here a crowd of 1,500 installs is active for the first 10 minutes only and 300 others after it,
 * so the slide drops the crowd and the ids are compacted: before, at and after that run, the kept totals must be
 * installUsageSql's rows exactly.
 */
const MIN = 60_000
const start = Date.UTC(2026, 11, 3, 8, 0)
let store: Store & { drop: () => Promise<void> }

beforeAll(async () => {
  store = await testStore('bombing_window_compaction')
  const crowd = new GatewaySimulator({ seed: 41, installs: 1_500, ratePerSec: 40, scenarios: [], startMs: start })
  const later = new GatewaySimulator({ seed: 42, installs: 300, ratePerSec: 4, scenarios: ['prompt_bomber'], startMs: start + 10 * MIN })
  const end = start + 40 * MIN
  const loader = eventLoader(store)
  await loader.load(crowd.generate(start, start + 10 * MIN), start + 10 * MIN)
  await loader.load(later.generate(start + 10 * MIN, end), end)
}, 240_000)

afterAll(async () => {
  await store?.drop()
})

const key = (r: { tenant_id: string; feature: string; install_id: string }) => `${r.tenant_id}\u0000${r.feature}\u0000${r.install_id}`

describe('prompt bombing: window totals kept across the compaction of key ids', () => {
  it('gives the engine’s usage rows while the crowd is in the window, as it leaves, and after its ids are dropped', async () => {
    resetWindowMinutes()
    const counts: number[] = []
    for (const m of [9, 12, 18, 24.5, 25, 26, 30, 38.5]) {
      const now = start + m * MIN + 7_000
      const fromMs = now - S.windowMinutes * MIN
      const params = { from: toSec(fromMs), to: toSec(now) + 1, tenant: '', only: [] }
      const want = (await selectRows<Record<string, unknown>>(store, installUsageSql(store.database), params)).map(usageOf)
      const got = await keptWindowUsage(store, fromMs, now)
      expect(new Map(got.map((u) => [key(u), u]))).toEqual(new Map(want.map((u) => [key(u), u])))
      counts.push(want.length)
    }
    // The crowd fills the window (over the 1,000 keys compaction needs), then leaves it: most ids die, and are dropped.
    expect(counts[0]).toBeGreaterThan(1_000)
    expect(counts.at(-1)!).toBeLessThan(counts[0] / 2)
  }, 120_000)
})
