import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defaultPriceBook } from '../../lib/pricing/cost'
import { prepareBatch } from '../../lib/ingest/prepare'
import { RecentIds } from '../../lib/ingest/recent-ids'
import { ClickHouseSink } from '../../lib/ingest/sink'
import { validRecords } from '../helpers/corpus'
import { rollupsVsDeduplicated, rollupTables } from '../helpers/rollup-check'
import { rows, testStore } from '../helpers/store'

type TestStore = Awaited<ReturnType<typeof testStore>>
let store: TestStore

beforeAll(async () => {
  store = await testStore('rollupdedup')
})
afterAll(() => store?.drop())

/** Aggregates that change when the same rows arrive twice; min, max, uniq and anyLast do not. */
const COUNTING = /^(Simple)?AggregateFunction\((sum|count|avg|quantile)/

describe('every rollup that counts', () => {
  it('keeps a deduplication window, so a replayed range is not counted twice in it', async () => {
    const targets = await rollupTables(store, store.database)
    expect(targets).toEqual(expect.arrayContaining(['usage_minute', 'install_minute', 'installs_hour']))
    const counting = await rows<{ table: string }>(
      store,
      'SELECT DISTINCT table FROM system.columns WHERE database = {db:String} AND table IN {names:Array(String)} AND match(type, {re:String})',
      { db: store.database, names: targets, re: COUNTING.source },
    )
    expect(counting.map((c) => c.table)).toContain('usage_minute')
    const tables = await rows<{ name: string; q: string }>(
      store,
      'SELECT name, create_table_query AS q FROM system.tables WHERE database = {db:String} AND name IN {names:Array(String)}',
      { db: store.database, names: counting.map((c) => c.table) },
    )
    const windowless = tables
      .filter((t) => !/\bnon_replicated_deduplication_window = [1-9]/.test(t.q) || !/\breplicated_deduplication_window = [1-9]/.test(t.q))
      .map((t) => t.name)
    expect(windowless).toEqual([])
  })
})

describe('a range replayed after the engine loaded its views again', () => {
  // What a restart does to the views (an embedded ingest process killed and
  // started again, or a server restarted): each is loaded from its metadata.
  // The replay must carry the same dedup identity in every view target as the
  // first insert did in this process, which ran the migrations (0053).
  it('is counted once in every rollup', async () => {
    const messages = validRecords(400, 'reload').map((r, i) => ({
      topic: 'reload',
      partition: 0,
      offset: i,
      key: r.key,
      value: Buffer.from(r.value as string),
    }))
    const deps = {
      limits: { maxMessageBytes: 1 << 20, maxFutureSkewMs: 3_600_000, maxPastAgeMs: 7 * 86_400_000 },
      prices: defaultPriceBook,
      recentIds: new RecentIds(),
    }
    const batch = prepareBatch(messages, deps)
    expect(batch.rows).toHaveLength(400)
    const range = { topic: 'reload', partition: 0, firstOffset: 0, lastOffset: 399 }
    const sink = new ClickHouseSink(store)
    await sink.write(batch, range)
    const views = await rows<{ name: string }>(store, "SELECT name FROM system.tables WHERE database = {db:String} AND engine = 'MaterializedView'", {
      db: store.database,
    })
    expect(views.length).toBeGreaterThan(5)
    for (const { name } of views) {
      await store.client.command({ query: `DETACH TABLE ${store.database}.${name}` })
      await store.client.command({ query: `ATTACH TABLE ${store.database}.${name}` })
    }
    await sink.write(batch, range)
    const [events] = await rows<{ n: string }>(store, `SELECT count() AS n FROM ${store.database}.events`)
    expect(Number(events.n)).toBe(400)
    const differing = (await rollupsVsDeduplicated(store)).filter((r) => JSON.stringify(r.stored) !== JSON.stringify(r.expected))
    expect(differing).toEqual([])
  })
})
