import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rollupTables } from '../helpers/rollup-check'
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
    const counting = await rows<{ table: string }>(store,
      'SELECT DISTINCT table FROM system.columns WHERE database = {db:String} AND table IN {names:Array(String)} AND match(type, {re:String})',
      { db: store.database, names: targets, re: COUNTING.source })
    expect(counting.map((c) => c.table)).toContain('usage_minute')
    const tables = await rows<{ name: string; q: string }>(store,
      'SELECT name, create_table_query AS q FROM system.tables WHERE database = {db:String} AND name IN {names:Array(String)}',
      { db: store.database, names: counting.map((c) => c.table) })
    const windowless = tables
      .filter((t) => !/\bnon_replicated_deduplication_window = [1-9]/.test(t.q) || !/\breplicated_deduplication_window = [1-9]/.test(t.q))
      .map((t) => t.name)
    expect(windowless).toEqual([])
  })
})
