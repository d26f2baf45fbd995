import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '../../lib/clickhouse/client'
import { selectRows } from '../../lib/clickhouse/select'
import { keptWindowUsage, resetWindowMinutes, windowCandidates } from '../../lib/detection/bombing-window-minutes'
import { CANDIDATE_SCORE_Z, MIN_FEATURE_INSTALLS } from '../../lib/detection/prompt-bombing-score'
import { bandsOfRow, usageOf } from '../../lib/detection/prompt-bombing-rows'
import { toSec } from '../../lib/detection/query'
import { DEFAULT_DETECTION_SETTINGS as S } from '../../lib/detection/settings'
import { installUsageSql } from '../../lib/detection/sql/install-usage'
import { installUsageBandsSql } from '../../lib/detection/sql/install-usage-bands'
import { MIN_LOG_SIGMA, MIN_LOG_SIGMA_COUNT } from '../../lib/detection/stats'
import { GatewaySimulator } from '../../lib/simulator'
import { eventLoader } from '../helpers/load-events'
import { testStore } from '../helpers/store'

/**
 * The window pass of prompt bombing sums the install minutes it keeps between
 * runs (bombing-window-minutes.ts) instead of re-grouping 15 minutes of
 * install_minute in the engine every 30 s. Run after run, as the window
 * slides, jumps and goes back, the usage rows must be installUsageSql's
 * exactly, and the bands and candidates installUsageBandsSql's.
 */
const MIN = 60_000
const start = Date.UTC(2026, 11, 3, 8, 0)
let store: Store & { drop: () => Promise<void> }

beforeAll(async () => {
  store = await testStore('bombing_window_minutes')
  const sim = new GatewaySimulator({ seed: 13, installs: 300, ratePerSec: 4, scenarios: ['prompt_bomber'], startMs: start })
  const end = start + 40 * MIN
  await eventLoader(store).load(sim.generate(start, end), end)
}, 240_000)

afterAll(async () => {
  await store?.drop()
})

const key = (r: { tenant_id: string; feature: string; install_id: string }) => `${r.tenant_id}\u0000${r.feature}\u0000${r.install_id}`

describe('prompt bombing: window minutes kept between runs', () => {
  it('gives the engine’s usage rows, bands and candidates at every run as the window slides, jumps and goes back', async () => {
    resetWindowMinutes()
    // 30 s runs (half-minute boundaries included), a jump of 6 minutes, then the clock back 12 minutes.
    const nows = [0, 0.5, 1, 1.5, 2, 7.5, 8, -4, -3.5].map((m) => start + 30 * MIN + 13_000 + m * MIN)
    let candidates = 0
    for (const now of nows) {
      const fromMs = now - S.windowMinutes * MIN
      const params = { from: toSec(fromMs), to: toSec(now) + 1, tenant: '', only: [] }
      const want = (await selectRows<Record<string, unknown>>(store, installUsageSql(store.database), params)).map(usageOf)
      const got = await keptWindowUsage(store, fromMs, now)
      expect(want.length).toBeGreaterThan(100)
      expect(new Map(got.map((u) => [key(u), u]))).toEqual(new Map(want.map((u) => [key(u), u])))

      const zmin = CANDIDATE_SCORE_Z * S.zAlert
      const sql = await selectRows<Record<string, unknown>>(store, installUsageBandsSql(installUsageSql(store.database)), {
        ...params,
        installs: [],
        zmin,
        minRequests: S.minRequests,
        minInstalls: MIN_FEATURE_INSTALLS,
        minSigma: MIN_LOG_SIGMA,
        minSigmaCount: MIN_LOG_SIGMA_COUNT,
      })
      const js = windowCandidates(got, S, zmin, new Set())
      const sqlBands = sql.filter((r) => Number(r.rn) === 1)
      expect(js.bands.size).toBe(sqlBands.length)
      for (const r of sqlBands) {
        const a = bandsOfRow(r)
        const b = js.bands.get(`${r.tenant_id}\u0000${r.feature}`)!
        expect(b.installs).toBe(a.installs)
        for (const m of Object.keys(a.bands) as (keyof typeof a.bands)[]) {
          expect(b.bands[m].logMedian).toBeCloseTo(a.bands[m].logMedian, 9)
          expect(b.bands[m].logMad).toBeCloseTo(a.bands[m].logMad, 9)
          expect(b.bands[m].band.p99).toBeCloseTo(a.bands[m].band.p99, 6)
        }
      }
      // The engine also returns one row per feature to carry its bands, candidate or not.
      const picked = new Set(js.candidates.map(key))
      const sqlPicked = sql.map(usageOf).map(key)
      for (const k of picked) expect(sqlPicked).toContain(k)
      sql.forEach((r, i) => {
        if (!picked.has(sqlPicked[i])) expect(Number(r.rn), sqlPicked[i]).toBe(1)
      })
      candidates += picked.size
    }
    expect(candidates).toBeGreaterThan(0)
  }, 120_000)
})
