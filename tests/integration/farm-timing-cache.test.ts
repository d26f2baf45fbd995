import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { detectEmulatorFarms, farmClustersInWindow } from '../../lib/detection/emulator-farms'
import { clearFarmTimings, farmTimings, FARM_TIMING_REREAD_MINUTES, takeFarmTimingRowsRead, type InstallTiming } from '../../lib/detection/farm-timing'
import { DEFAULT_DETECTION_SETTINGS as S } from '../../lib/detection/settings'
import { farmInstallsSql } from '../../lib/detection/sql/farm-installs'
import { GatewaySimulator } from '../../lib/simulator'
import { eventLoader } from '../helpers/load-events'
import { rows, testStore } from '../helpers/store'

const MIN = 60_000
const DAY = 24 * 60 * MIN

/**
 * The farm detector's tick aggregates each closed minute of request timing
 * once (farm-timing.ts) instead of regrouping the 60-minute window every
 * 30 s. It must give the installs' timing exactly as the window query does,
 * run after run as data arrives, including events a few minutes late.
 */
describe('farm timing, closed minutes aggregated once', () => {
  let store: Awaited<ReturnType<typeof testStore>>
  let sim: GatewaySimulator
  let start: number
  const window = (now: number, silence = S.farmWakeSilenceMinutes) => ({
    from: Math.floor((now - S.farmWindowMinutes * MIN) / 1000),
    to: Math.floor(now / 1000) + 1,
    tenant: '',
    silence,
  })
  const fromSql = async (now: number, silence?: number) => {
    const r = await rows<{
      tenant_id: string
      install_id: string
      span_minutes: number
      req_sum: number
      req_sq: number
      first_active: number
      burst_requests: number
      minutes_lo: number
      minutes_hi: number
      minutes_end: number
    }>(store, farmInstallsSql(store.database), window(now, silence))
    return new Map(
      r.map((x) => [
        `${x.tenant_id}\u0000${x.install_id}`,
        [
          Number(x.span_minutes),
          Number(x.req_sum),
          Number(x.req_sq),
          Number(x.first_active),
          Number(x.burst_requests),
          Number(x.minutes_lo),
          Number(x.minutes_hi),
          Number(x.minutes_end),
        ],
      ]),
    )
  }
  const fromCache = async (now: number, silence?: number) => {
    const w = window(now, silence)
    const t = await farmTimings(store, w.from, w.to, '', w.silence)
    const sql = await fromSql(now, silence)
    // The window query lists profiled installs (LEFT JOIN): compare on those; the active-minute bits too (farm-co-wake.ts).
    const of = (x: InstallTiming) => [x.span_minutes, x.req_sum, x.req_sq, x.first_active, x.burst_requests, x.minutes_lo, x.minutes_hi, x.minutes_end]
    return new Map([...sql.keys()].map((k) => [k, t.has(k) ? of(t.get(k)!) : [0, 0, 0, 0, 0, 0, 0, 0]]))
  }

  beforeAll(async () => {
    clearFarmTimings()
    store = await testStore('farm_timing_cache')
    start = Math.floor(Date.now() / DAY) * DAY - DAY + 8 * 60 * MIN
    sim = new GatewaySimulator({
      seed: 9,
      installs: 250,
      ratePerSec: 5,
      startMs: start,
      scenarios: ['emulator_farm'],
      scenarioSettings: { emulator_farm: { offsetMs: 55 * MIN, installs: 25, attestPass: true } },
    })
    await eventLoader(store).load(sim.generate(start, start + 62 * MIN), start + 62 * MIN)
  })

  afterAll(async () => {
    clearFarmTimings()
    await store?.drop()
  })

  it('gives the window query timing at every tick, reading a closed minute once', async () => {
    const load = eventLoader(store)
    let t = start + 62 * MIN
    const read: number[] = []
    for (let tick = 0; tick < 8; tick++) {
      const now = t + 30_000
      await load.load(sim.generate(t, now), now)
      t = now
      takeFarmTimingRowsRead()
      const cached = await fromCache(now)
      read.push(takeFarmTimingRowsRead())
      const sql = await fromSql(now)
      expect(sql.size).toBeGreaterThan(100)
      expect(cached).toEqual(sql)
    }
    // The first tick reads the whole window; later ones the re-read minutes and at most one more.
    const [first, ...later] = read
    expect(Math.max(...later)).toBeLessThan(first / 3)
  })

  it('sees events that arrive late by less than the re-read margin', async () => {
    const now = start + 66 * MIN + 30_000
    await fromCache(now)
    // A burst of requests 3 minutes back for an install already in the window.
    const [{ install_id, tenant_id }] = await rows<{ install_id: string; tenant_id: string }>(
      store,
      `SELECT install_id, tenant_id FROM ${store.database}.install_minute WHERE requests > 0 ORDER BY install_id LIMIT 1`,
    )
    expect(FARM_TIMING_REREAD_MINUTES).toBeGreaterThan(3)
    await store.client.command({
      query: `INSERT INTO ${store.database}.install_minute (minute, tenant_id, install_id, feature, requests)
        VALUES (toStartOfMinute(fromUnixTimestamp64Milli({at:Int64})), {tenant:String}, {install:String}, 'late', 7)`,
      query_params: { at: now - 3 * MIN, tenant: tenant_id, install: install_id },
    })
    const cached = await fromCache(now)
    expect(cached).toEqual(await fromSql(now))
    expect(cached.get(`${tenant_id}\u0000${install_id}`)![1]).toBeGreaterThanOrEqual(7)
  })

  it('sees a late row with no request in a recent minute (it moves the install’s span)', async () => {
    const now = start + 66 * MIN + 30_000
    await fromCache(now)
    const [{ install_id, tenant_id }] = await rows<{ install_id: string; tenant_id: string }>(
      store,
      `SELECT install_id, tenant_id FROM ${store.database}.install_minute GROUP BY tenant_id, install_id
       HAVING max(minute) < toDateTime({from:UInt32}, 'UTC') AND min(minute) > toDateTime({before:UInt32}, 'UTC')
       ORDER BY install_id LIMIT 1`,
      { from: Math.floor((now - 10 * MIN) / 1000), before: Math.floor((now - S.farmWindowMinutes * MIN) / 1000) },
    )
    // Neither the minute's requests nor its rows of other installs move: only the installs present in it.
    await store.client.command({
      query: `INSERT INTO ${store.database}.install_minute (minute, tenant_id, install_id, feature, requests)
        VALUES (toStartOfMinute(fromUnixTimestamp64Milli({at:Int64})), {tenant:String}, {install:String}, 'late', 0)`,
      query_params: { at: now - 2 * MIN, tenant: tenant_id, install: install_id },
    })
    const cached = await fromCache(now)
    expect(cached).toEqual(await fromSql(now))
    // Its span now reaches the late minute, 2 minutes back: more than 7 minutes after its last minute before.
    expect(cached.get(`${tenant_id}\u0000${install_id}`)![0]).toBeGreaterThan(7)
    // With a wake silence shorter than that gap, its current burst starts at the late minute (no request in it yet).
    const woken = await fromCache(now, 5)
    expect(woken).toEqual(await fromSql(now, 5))
    expect(woken.get(`${tenant_id}\u0000${install_id}`)!.slice(3, 5)).toEqual([Math.floor((now - 2 * MIN) / MIN) * MIN, 0])
  })

  it('names the same farms as the window query', async () => {
    const now = start + 67 * MIN
    const uncached = (await farmClustersInWindow(store, S, now)).map((c) => c.cluster)
    const detected = await detectEmulatorFarms(store, S, now, { limit: 1_000 })
    expect(uncached.some((c) => c.severity)).toBe(true)
    expect(detected.map((c) => ({ ...c, rejection_mix: {} }))).toEqual(uncached.map((c) => ({ ...c, rejection_mix: {} })))
  })
})
