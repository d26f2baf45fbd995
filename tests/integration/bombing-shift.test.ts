import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '../../lib/clickhouse/client'
import { selectRows } from '../../lib/clickhouse/select'
import type { ContextBaseline } from '../../lib/detection/bombing-baselines'
import { incrementalInstallMinutes, keptInstallMinutes, resetInstallMinutes } from '../../lib/detection/bombing-minutes'
import { MODERATE_RATIO } from '../../lib/detection/bombing-moderate'
import { ONSET_SUFFIXES, ONSET_Z } from '../../lib/detection/bombing-onset'
import { windowShiftRows, type ShiftFilter, type ShiftSums } from '../../lib/detection/bombing-shift'
import { toSec } from '../../lib/detection/query'
import { GatewaySimulator } from '../../lib/simulator'
import { eventLoader } from '../helpers/load-events'
import { testStore } from '../helpers/store'

/**
 * The moderate bombing test's window shifts are computed from the install
 * minutes the sequential test keeps between runs (bombing-shift.ts) instead
 * of re-reading the 30-minute window in the engine every 30 s. Run after run,
 * as the window slides, jumps and goes back, they must be the engine's rows
 * (installShiftSql): the same installs, counts and minutes, and the same
 * log-shift sums up to floating-point order.
 */
const MIN = 60_000
const start = Date.UTC(2026, 11, 3, 8, 0)
let store: Store & { drop: () => Promise<void> }

beforeAll(async () => {
  store = await testStore('bombing_shift')
  const sim = new GatewaySimulator({ seed: 11, installs: 300, ratePerSec: 4, scenarios: ['prompt_bomber'], startMs: start })
  const end = start + 60 * MIN
  await eventLoader(store).load(sim.generate(start, end), end)
}, 240_000)

afterAll(async () => {
  await store?.drop()
})

const sameRows = (got: ShiftSums[], want: ShiftSums[]) => {
  const byKey = new Map(want.map((r) => [`${r.tenant_id}\u0000${r.feature}\u0000${r.install_id}`, r]))
  expect(got.map((r) => `${r.tenant_id}\u0000${r.feature}\u0000${r.install_id}`).sort()).toEqual([...byKey.keys()].sort())
  for (const g of got) {
    const w = byKey.get(`${g.tenant_id}\u0000${g.feature}\u0000${g.install_id}`)!
    expect([g.n, g.prompt, g.first_minute, g.sn]).toEqual([w.n, w.prompt, w.first_minute, w.sn])
    expect(g.dev).toBeCloseTo(w.dev, 6)
    g.sdev.forEach((d, i) => expect(d).toBeCloseTo(w.sdev[i], 6))
  }
}

describe('moderate bombing: window shifts from the kept install minutes', () => {
  it('equal the engine rows at every run, with the test filter and with none', async () => {
    const features = await selectRows<Record<string, unknown>>(store, `SELECT DISTINCT tenant_id, feature FROM ${store.database}.install_minute`)
    const baselines = new Map<string, ContextBaseline>(
      features.map((f, i) => {
        const median = 600 + 150 * i
        return [`${f.tenant_id}\u0000${f.feature}`, { mu: Math.log(median), sigma: 0.5 + 0.05 * i, requests: 1_000, median, source: 'feature' }]
      }),
    )
    expect(baselines.size).toBeGreaterThan(1)
    resetInstallMinutes()
    // 30 s runs (half-minute boundaries included), a jump of 7 minutes, then the clock back 20 minutes.
    const nows = [0, 0.5, 1, 1.5, 2, 2.5, 9.5, 10, -10, -9.5].map((m) => start + 45 * MIN + 17_000 + m * MIN)
    let compared = 0
    for (const now of nows) {
      const from = now - 30 * MIN
      await incrementalInstallMinutes(store, baselines, from, now, '', { shift: Math.log(3), cap: 12, minPositive: 3.5 })
      const suffixes = ONSET_SUFFIXES.map((m) => toSec(now - m * MIN))
      const filters: ShiftFilter[] = [
        { minShift: Math.log(MODERATE_RATIO), minZ: ONSET_Z, penalty: 0, suffixes },
        { minShift: -1e9, minZ: -1e9, penalty: 0, suffixes },
      ]
      for (const f of filters) {
        const kept = keptInstallMinutes(store, '', now)
        expect(kept).toBeDefined()
        const got = await windowShiftRows(store, baselines, from, now, '', f, kept)
        const want = await windowShiftRows(store, baselines, from, now, '', f)
        sameRows(got, want)
        compared += want.length
      }
    }
    expect(compared).toBeGreaterThan(1_000)
    // Another `now` than the kept one is not served from the kept minutes.
    expect(keptInstallMinutes(store, '', nows[0])).toBeUndefined()
  }, 240_000)
})
