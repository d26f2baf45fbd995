import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '../../lib/clickhouse/client'
import { selectRows } from '../../lib/clickhouse/select'
import type { ContextBaseline } from '../../lib/detection/bombing-baselines'
import type { InstallMinutes } from '../../lib/detection/bombing-minutes'
import { ownShifts } from '../../lib/detection/bombing-own'
import { forgetInstallHistory, historyDev, installHistorySums, installHistoryUsage } from '../../lib/detection/install-history'
import { num, toSec } from '../../lib/detection/query'
import { installShiftSql } from '../../lib/detection/sql/install-shift'
import { installUsageSql } from '../../lib/detection/sql/install-usage'
import { GatewaySimulator } from '../../lib/simulator'
import { eventLoader } from '../helpers/load-events'
import { testStore } from '../helpers/store'

/**
 * The moderate bombing test's own-history reference is kept between runs
 * (install-history.ts) instead of re-reading 90 minutes every 30 s. Run after
 * run, as the history slides, it must equal what the full read of
 * install-shift.ts over those 90 minutes gives, for every install.
 */
const MIN = 60_000
const start = Date.UTC(2026, 11, 3, 8, 0)
let store: Store & { drop: () => Promise<void> }

beforeAll(async () => {
  store = await testStore('install_history')
  const sim = new GatewaySimulator({ seed: 7, installs: 300, ratePerSec: 4, scenarios: [], startMs: start })
  const end = start + 150 * MIN
  await eventLoader(store).load(sim.generate(start, end), end)
}, 240_000)

afterAll(async () => {
  await store?.drop()
})

/** The full read (install-shift.ts with an install list): every install of the history, one baseline for all. */
async function fullRead(fromSec: number, toSec: number, mu: number, sigma: number, keys: string[]) {
  const ids = (
    await selectRows<Record<string, unknown>>(
      store,
      `SELECT DISTINCT install_id FROM ${store.database}.install_minute WHERE minute >= toDateTime({f:UInt32}) AND minute < toDateTime({t:UInt32})`,
      { f: fromSec, t: toSec },
    )
  ).map((r) => String(r.install_id))
  const rows = await selectRows<Record<string, unknown>>(store, installShiftSql(store.database), {
    tenant: '',
    keys,
    mus: keys.map(() => mu),
    sigmas: keys.map(() => sigma),
    min_shift: 0,
    min_z: 0,
    penalty: 0,
    suffixes: [],
    from: fromSec,
    to: toSec,
    installs: ids,
  })
  return new Map(rows.map((r) => [`${r.tenant_id}\u0000${r.feature}\u0000${r.install_id}`, { n: num(r.n), dev: num(r.dev) }]))
}

describe('moderate bombing: own history kept between runs', () => {
  it('equals the full 90-minute read at every run as the window slides, jumps and goes back', async () => {
    const features = await selectRows<Record<string, unknown>>(store, `SELECT DISTINCT tenant_id, feature FROM ${store.database}.install_minute`)
    const keys = features.map((f) => `${f.tenant_id}|${f.feature}`)
    expect(keys.length).toBeGreaterThan(1)
    const mu = Math.log(900)
    const sigma = 0.6
    forgetInstallHistory(store)
    // 30 s runs (half-minute boundaries included), a jump of 7 minutes, then the clock back 20 minutes.
    const nows = [0, 0.5, 1, 1.5, 2, 2.5, 9.5, 10, -10, -9.5].map((m) => start + 140 * MIN + 17_000 + m * MIN)
    let compared = 0
    const seen = new Set<string>()
    for (const now of nows) {
      const from = now - 30 * MIN
      const f = toSec(from - 90 * MIN)
      const t = toSec(from)
      const kept = await installHistorySums(store, '', f, t)
      const full = await fullRead(f, t, mu, sigma, keys)
      expect(full.size).toBeGreaterThan(100)
      for (const [key, want] of full) {
        const got = kept(key)
        expect(got, key).toBeDefined()
        expect(got!.n).toBe(want.n)
        expect(historyDev(got!, mu, sigma)).toBeCloseTo(want.dev, 6)
        compared++
      }
      // Nothing beyond the full read: an install whose minutes all left the history (or are not in it yet) has no sums.
      for (const key of seen) if (!full.has(key)) expect(kept(key), key).toBeUndefined()
      for (const key of full.keys()) seen.add(key)
    }
    expect(compared).toBeGreaterThan(1000)
  }, 120_000)

  it("the sequential test's own-past shifts from the kept history equal those of the SQL read, run after run", async () => {
    const features = await selectRows<Record<string, unknown>>(store, `SELECT DISTINCT tenant_id, feature FROM ${store.database}.install_minute`)
    // Per-feature baselines spread around the simulator's sizes, so some installs sit above theirs and some below.
    const baselines = new Map<string, ContextBaseline>(
      features.map((f, i) => {
        const median = 300 * (1 + (i % 4))
        return [`${f.tenant_id}\u0000${f.feature}`, { mu: Math.log(median), sigma: 0.5, requests: 5000, median, source: 'feature' }]
      }),
    )
    forgetInstallHistory(store)
    const nows = [0, 0.5, 1, 1.5, 9.5, -10].map((m) => start + 140 * MIN + 17_000 + m * MIN)
    let compared = 0
    for (const now of nows) {
      const from = now - 30 * MIN
      // The installs with evidence in the test: here every install active in the window, per feature.
      const rows = (
        await selectRows<Record<string, unknown>>(
          store,
          `SELECT DISTINCT tenant_id, feature, install_id FROM ${store.database}.install_minute WHERE minute >= toDateTime({f:UInt32}) AND minute < toDateTime({t:UInt32})`,
          { f: toSec(from), t: toSec(now) + 1 },
        )
      ).map((r): InstallMinutes => ({
        tenant_id: String(r.tenant_id),
        feature: String(r.feature),
        install_id: String(r.install_id),
        minutes: [],
        requests: [],
        prompt: [],
      }))
      const sql = await ownShifts(store, baselines, rows, from, '', false)
      const kept = await ownShifts(store, baselines, rows, from, '', true)
      const asked = new Set(rows.map((r) => `${r.tenant_id}\u0000${r.feature}\u0000${r.install_id}`))
      const wanted = [...sql].filter(([key]) => asked.has(key))
      expect(wanted.length).toBeGreaterThan(20)
      expect(kept.size).toBe(wanted.length)
      for (const [key, shift] of wanted) {
        expect(kept.get(key), key).toBeCloseTo(shift, 9)
        compared++
      }
    }
    expect(compared).toBeGreaterThan(200)
  }, 120_000)

  it("the window test's own past (requests, prompt and completion tokens) from the kept minutes equals install-usage.ts's read", async () => {
    forgetInstallHistory(store)
    const nows = [0, 0.5, 1, 1.5, 9.5, -10].map((m) => start + 140 * MIN + 17_000 + m * MIN)
    let compared = 0
    for (const now of nows) {
      const f = toSec(now - 120 * MIN)
      const t = toSec(now - 30 * MIN)
      // The sequential test's sums share the kept minutes: asked first, as in the detector.
      await installHistorySums(store, '', f, t)
      const kept = await installHistoryUsage(store, '', f, t)
      const full = await selectRows<Record<string, unknown>>(store, installUsageSql(store.database), { from: f, to: t, tenant: '', only: [] })
      expect(full.length).toBeGreaterThan(100)
      for (const r of full) {
        const got = kept(`${r.tenant_id}\u0000${r.feature}\u0000${r.install_id}`)
        expect(got).toEqual({ requests: num(r.requests), prompt_tokens: num(r.prompt_tokens), completion_tokens: num(r.completion_tokens) })
        compared++
      }
      expect(kept('none\u0000none\u0000none')).toBeUndefined()
    }
    expect(compared).toBeGreaterThan(1000)
  }, 120_000)
})
