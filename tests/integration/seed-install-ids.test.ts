import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '../../lib/clickhouse/client'
import { prepareBatch } from '../../lib/ingest/prepare'
import { RecentIds } from '../../lib/ingest/recent-ids'
import { ClickHouseSink } from '../../lib/ingest/sink'
import { defaultPriceBook } from '../../lib/pricing/cost'
import { seedHistory } from '../../lib/seed/history'
import { GatewaySimulator } from '../../lib/simulator'
import { populationInstallId, populationInstallIdSql, tenantSalt } from '../../lib/simulator/install-ids'
import { rows, testStore } from '../helpers/store'

// The month seed and the live simulator name the same installs: a window spanning seeded and live days
// counts the population once (the seed used stand-in ids before, which counted it up to twice).
const INSTALLS = 300
const HOUR = 3_600_000
let store: Store & { drop(): Promise<void> }
const liveFromMs = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR
const sim = () => new GatewaySimulator({ seed: 7, installs: INSTALLS, ratePerSec: 20, startMs: liveFromMs, scenarios: [] })

beforeAll(async () => {
  store = await testStore('seedids')
  await seedHistory(store, { days: 2, endMs: liveFromMs, seed: 7, installs: INSTALLS, ratePerSec: 20, slotS: 3600, force: true })
  const live = sim()
  const sink = new ClickHouseSink(store)
  const deps = {
    limits: { maxMessageBytes: 65_536, maxFutureSkewMs: 300_000, maxPastAgeMs: 30 * 86_400_000 },
    prices: defaultPriceBook,
    recentIds: new RecentIds(),
  }
  const events = live.generate(liveFromMs, liveFromMs + 30 * 60_000)
  const messages = events.map((e, offset) => ({ topic: 'live', partition: 0, offset, key: null, value: Buffer.from(JSON.stringify(e)) }))
  await sink.write(prepareBatch(messages, deps), { topic: 'live', partition: 0, firstOffset: 0, lastOffset: messages.length - 1 })
}, 180_000)

afterAll(async () => {
  await store?.drop()
})

const activeInstalls = async (where: string) =>
  Number(
    (
      await rows<{ n: string }>(store, `SELECT uniqCombinedMerge(14)(installs) AS n FROM ${store.database}.installs_dim_minute WHERE dim = '' AND ${where}`, {
        live: liveFromMs / 1000,
      })
    )[0].n,
  )

describe('seeded and live install ids', () => {
  it('the SQL expression gives the same id as the simulator for any tenant and index', async () => {
    const cases = [
      ['acme-fitness', 0],
      ['acme-fitness', 1],
      ['initech-bank', 299],
      ['globex-travel', 123_456],
    ] as const
    for (const [tenant, k] of cases) {
      const [row] = await rows<{ id: string }>(store, `SELECT ${populationInstallIdSql('{k:UInt64}', '{salt:UInt32}')} AS id`, {
        k,
        salt: tenantSalt(tenant),
      })
      expect(row.id).toBe(populationInstallId(tenant, k))
      expect(row.id).toMatch(/^i-[0-9a-f]{16}$/)
    }
  })

  it("the live population's k-th install of a tenant has that id", () => {
    const seen = new Map<string, number>()
    for (const install of sim().population.installs) {
      const k = seen.get(install.tenant.id) ?? 0
      seen.set(install.tenant.id, k + 1)
      expect(install.id).toBe(populationInstallId(install.tenant.id, k))
    }
    expect(seen.size).toBeGreaterThan(1)
  })

  it('a window over seeded and live hours counts each install once', async () => {
    const seeded = await activeInstalls('minute < toDateTime({live:UInt32})')
    const live = await activeInstalls('minute >= toDateTime({live:UInt32})')
    const both = await activeInstalls('1')
    expect(seeded).toBeGreaterThan(INSTALLS * 0.5)
    expect(live).toBeGreaterThan(INSTALLS * 0.3)
    // Stand-in ids would make this about seeded + live; one population keeps it within the population.
    expect(both).toBeLessThanOrEqual(INSTALLS)
    expect(both).toBeLessThan(seeded + live)
  })
})
