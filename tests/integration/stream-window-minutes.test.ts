import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '../../lib/clickhouse/client'
import { selectRows } from '../../lib/clickhouse/select'
import { toSec } from '../../lib/detection/query'
import { DEFAULT_DETECTION_SETTINGS as S } from '../../lib/detection/settings'
import { streamInstallsSql } from '../../lib/detection/sql/stream-installs'
import { keptStreamStats, resetStreamMinutes } from '../../lib/detection/stream-window-minutes'
import { zombieLines } from '../../lib/detection/stream-zombie'
import { GatewaySimulator } from '../../lib/simulator'
import { eventLoader, type Loader } from '../helpers/load-events'
import { testStore } from '../helpers/store'

/**
 * Stream abuse reads its window from the streams of each minute kept between
 * runs (stream-window-minutes.ts) instead of regrouping 15 minutes of
 * stream_end_minute in the engine every 30 s. Run after run, as the window
 * slides, jumps and goes back, and after late streams land in minutes read
 * earlier, every install's stats must be streamInstallsSql's exactly: counts,
 * maxima, sums, the exact median duration and the exact peak concurrency.
 */
const MIN = 60_000
const start = Date.UTC(2026, 11, 3, 8, 0)
const COLUMNS = [
  'streams',
  'max_duration_ms',
  'median_duration_ms',
  'zombie_streams',
  'client_disconnects',
  'disconnect_cost_micros',
  'cost_micros',
  'max_concurrent',
] as const
let store: Store & { drop: () => Promise<void> }
let loader: Loader

beforeAll(async () => {
  store = await testStore('stream_window_minutes')
  loader = eventLoader(store)
  const sim = new GatewaySimulator({ seed: 17, installs: 300, ratePerSec: 4, scenarios: ['stream_abuse'], startMs: start })
  const end = start + 40 * MIN
  await loader.load(sim.generate(start, end), end)
}, 240_000)

afterAll(async () => {
  await store?.drop()
})

const byInstall = (list: Record<string, unknown>[]) => new Map(list.map((r) => [`${r.tenant_id}\u0000${r.install_id}`, COLUMNS.map((c) => Number(r[c]))]))

async function expectSameAsSql(now: number): Promise<number> {
  const fromMs = now - S.windowMinutes * MIN
  // Both read with the lines the detector draws (stream-zombie.ts: per tenant, from its features' streaming rates).
  const lines = await zombieLines(store, now, S)
  // Some tenant's closed streams are judged above the absolute line, so the per-tenant line is compared too.
  expect(lines.sqlParams().line_tenants.length).toBeGreaterThan(0)
  const want = await selectRows<Record<string, unknown>>(store, streamInstallsSql(store.database), {
    from: toSec(fromMs),
    to: toSec(now) + 1,
    tenant: '',
    ...lines.sqlParams(),
  })
  const got = await keptStreamStats(store, fromMs, now, S, '', lines)
  expect(byInstall(got as unknown as Record<string, unknown>[])).toEqual(byInstall(want))
  return want.length
}

describe('stream abuse: window minutes kept between runs', () => {
  it('gives the engine’s per-install stream stats at every run as the window slides, jumps and goes back', async () => {
    resetStreamMinutes()
    // 30 s runs (half-minute boundaries included), a jump of 6 minutes, then the clock back 12 minutes.
    const nows = [0, 0.5, 1, 1.5, 2, 7.5, 8, -4, -3.5].map((m) => start + 30 * MIN + 13_000 + m * MIN)
    for (const now of nows) expect(await expectSameAsSql(now)).toBeGreaterThan(50)
  }, 120_000)

  it('re-reads a minute read earlier when late streams land in it', async () => {
    resetStreamMinutes()
    const now = start + 30 * MIN + 13_000
    await expectSameAsSql(now)
    // Another population's traffic of minutes 20–22, arriving after the run that read them.
    const late = new GatewaySimulator({ seed: 18, installs: 60, ratePerSec: 2, scenarios: ['stream_abuse'], startMs: start }).generate(
      start + 20 * MIN,
      start + 22 * MIN,
    )
    expect(late.filter((e) => e.type === 'stream').length).toBeGreaterThan(5)
    await loader.load(late, now)
    await expectSameAsSql(now + 30_000)
  }, 120_000)
})
