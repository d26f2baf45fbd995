import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrate } from '../../lib/clickhouse/migrate'
import { MIGRATIONS } from '../../lib/clickhouse/migrations'
import { retentionTables, ttlDays } from '../../lib/clickhouse/retention'
import { rows, testStore } from '../helpers/store'

type TestStore = Awaited<ReturnType<typeof testStore>>
let store: TestStore

beforeAll(async () => {
  // testStore migrates with a 30-day retention, as a first start with RETENTION_DAYS=30 would.
  store = await testStore('retention')
})
afterAll(() => store?.drop())

async function ttls(): Promise<Record<string, number[]>> {
  const list = await rows<{ name: string; create_table_query: string }>(
    store,
    'SELECT name, create_table_query FROM system.tables WHERE database = {db:String}',
    { db: store.database },
  )
  return Object.fromEntries(list.map((t) => [t.name, ttlDays(t.create_table_query)]))
}

describe('RETENTION_DAYS', () => {
  it('is found in the TTL of raw events, dead letters and every rollup, and not in fixed-length tables', () => {
    const tables = retentionTables(MIGRATIONS)
    for (const t of ['events', 'dead_letters', 'usage_minute', 'attestation_minute', 'install_minute', 'install_profile', 'installs_hour']) {
      expect(tables.has(t), t).toBe(true)
    }
    for (const t of ['ingest_batches', 'ingest_status', 'alert_deliveries', 'revoked_sessions']) expect(tables.has(t), t).toBe(false)
    expect(tables.get('install_profile')).toBe('toDateTime(last_seen) + INTERVAL {retentionDays} DAY')
  })

  it('changes the TTL of existing tables when it changes, and alters nothing when it does not', async () => {
    const tables = [...retentionTables(MIGRATIONS).keys()]
    const before = await ttls()
    for (const t of tables) expect(before[t], t).toEqual([30])

    const changed = await migrate(store, { retentionDays: 90 })
    expect(changed.applied).toEqual([])
    expect(changed.retention).toEqual([...tables].sort())
    const after = await ttls()
    for (const t of tables) expect(after[t], t).toEqual([90])
    // Tables kept for a fixed time are left alone.
    expect(after.ingest_batches).toEqual(before.ingest_batches)
    expect(after.ingest_status).toEqual(before.ingest_status)

    const mutations = async () =>
      Number((await rows<{ n: string }>(store, 'SELECT count() AS n FROM system.mutations WHERE database = {db:String}', { db: store.database }))[0].n)
    const mutationsBefore = await mutations()
    const again = await migrate(store, { retentionDays: 90 })
    expect(again.retention).toEqual([])
    expect(await mutations()).toBe(mutationsBefore)

    const back = await migrate(store, { retentionDays: 30 })
    expect(back.retention).toEqual([...tables].sort())
    for (const t of tables) expect((await ttls())[t], t).toEqual([30])
  })

  it('reads the day count from the TTL clause only', () => {
    expect(
      ttlDays('CREATE TABLE db.t (ts DateTime) ENGINE = MergeTree ORDER BY ts TTL toDateTime(ts) + toIntervalDay(45) SETTINGS index_granularity = 8192'),
    ).toEqual([45])
    expect(ttlDays('CREATE TABLE db.t (ts DateTime) ENGINE = MergeTree ORDER BY ts')).toEqual([])
  })
})
