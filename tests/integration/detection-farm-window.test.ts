import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { farmClustersInWindow } from '../../lib/detection/emulator-farms'
import { DEFAULT_DETECTION_SETTINGS as S } from '../../lib/detection/settings'
import { farmInstallsSql } from '../../lib/detection/sql/farm-installs'
import { GatewaySimulator } from '../../lib/simulator'
import { eventLoader } from '../helpers/load-events'
import { rows, testStore } from '../helpers/store'

const MIN = 60_000
const DAY = 24 * 60 * MIN
const STALE = 100_000

/**
 * The farm detector reads install_profile, which holds every install ever
 * seen. Installs outside the window must cost nothing and change nothing.
 */
describe('farm detector window', () => {
  let store: Awaited<ReturnType<typeof testStore>>
  let now: number
  const params = () => ({
    from: Math.floor((now - S.farmWindowMinutes * MIN) / 1000),
    to: Math.floor(now / 1000) + 1,
    tenant: '',
    silence: S.farmWakeSilenceMinutes,
  })
  const clusters = async () => (await farmClustersInWindow(store, S, now)).map((c) => ({ ...c.cluster }))

  beforeAll(async () => {
    store = await testStore('detect_farm_window')
    const start = Math.floor(Date.now() / DAY) * DAY - DAY + 10 * 60 * MIN
    now = start + 20 * MIN
    const sim = new GatewaySimulator({
      seed: 5,
      installs: 300,
      ratePerSec: 6,
      startMs: start,
      scenarios: ['emulator_farm'],
      scenarioSettings: { emulator_farm: { offsetMs: 5 * MIN, installs: 30, tenant: 'globex-travel' } },
    })
    const loaded = await eventLoader(store).load(sim.generate(start, now), now)
    expect(loaded.deadLetters).toBe(0)
  })

  afterAll(async () => {
    await store?.drop()
  })

  it('gives the same clusters whatever installs outside the window the profile table holds', async () => {
    const before = await clusters()
    expect(before.filter((c) => c.severity).length).toBeGreaterThan(0)
    const farm = before.find((c) => c.severity)!
    const subnet = farm.shared_traits.find((t) => t.trait === 'ip_prefix')?.value ?? '159.203.1.0/24'
    // Last seen two days ago: a lifetime of installs, and a farm-like group on the live farm's subnet.
    const old = now - 2 * DAY
    await store.client.command({
      query: `INSERT INTO ${store.database}.install_profile (tenant_id, install_id, first_seen, last_seen, platform, device_model, os_version,
          device_fingerprint, ip_prefix, asn, events, attest_accepted, attest_rejected, emulator_rejections)
        SELECT {tenant:String}, concat('stale-', leftPad(toString(number), 6, '0')),
          fromUnixTimestamp64Milli(toInt64({old:Int64} - 3600000)), fromUnixTimestamp64Milli(toInt64({old:Int64} - number)),
          'android', 'EMU', '13', if(number < 10, 'stale-image', hex(number)), if(number < 10, {subnet:String}, '10.9.9.0/24'),
          14061, 5, 1, if(number < 10, 4, 0), if(number < 10, 4, 0)
        FROM numbers({n:UInt32})`,
      query_params: { tenant: farm.tenant_id, old, subnet, n: STALE },
    })
    const after = await clusters()
    expect(after).toEqual(before)
    expect(after.flatMap((c) => c.members).filter((m) => m.startsWith('stale-'))).toEqual([])
  })

  it('reads the installs of the window, not the whole profile table', async () => {
    const [{ n }] = await rows<{ n: string }>(store, `SELECT count() AS n FROM ${store.database}.install_profile`)
    expect(Number(n)).toBeGreaterThan(STALE)
    const rs = await store.client.query({ query: farmInstallsSql(store.database), query_params: params(), format: 'JSON' })
    const result = await rs.json<Record<string, unknown>>()
    expect(result.rows).toBeGreaterThan(300)
    // Every table the query touches together: the window's rollup rows plus the profile granules of its installs.
    expect(Number(result.statistics?.rows_read)).toBeLessThan(STALE / 2)
  })

  it('expires profiles of installs not seen for the retention period (migration 0008)', async () => {
    const [{ q }] = await rows<{ q: string }>(
      store,
      `SELECT create_table_query AS q FROM system.tables WHERE database = {db:String} AND name = 'install_profile'`,
      { db: store.database },
    )
    expect(q).toMatch(/TTL toDateTime\(last_seen\) \+ toIntervalDay\(30\)/)
    await store.client.command({
      query: `INSERT INTO ${store.database}.install_profile (tenant_id, install_id, first_seen, last_seen, events)
        VALUES ('ttl', 'gone', fromUnixTimestamp64Milli({a:Int64}), fromUnixTimestamp64Milli({a:Int64}), 1),
               ('ttl', 'kept', fromUnixTimestamp64Milli({b:Int64}), fromUnixTimestamp64Milli({b:Int64}), 1)`,
      // TTL compares with the wall clock, not this test's window, which ends up to 38 h in the past.
      query_params: { a: Date.now() - 31 * DAY, b: Date.now() - 29 * DAY },
    })
    await store.client.command({ query: `OPTIMIZE TABLE ${store.database}.install_profile FINAL` })
    const left = await rows<{ install_id: string }>(store, `SELECT install_id FROM ${store.database}.install_profile WHERE tenant_id = 'ttl'`)
    expect(left.map((r) => r.install_id)).toEqual(['kept'])
  })
})
