import type { Store } from '../../lib/clickhouse/client'
import { migrate } from '../../lib/clickhouse/migrate'
import { rows } from './store'

export interface RollupFigures {
  table: string
  /** Per aggregate column: its total over the table (sum, max or min, uniq for sketches). */
  figures: Record<string, string>
}

/** Every table a materialized view of `database` writes to. */
export async function rollupTables(store: Store, database: string): Promise<string[]> {
  const views = await rows<{ q: string }>(
    store,
    `SELECT create_table_query AS q FROM system.tables WHERE database = {db:String} AND engine = 'MaterializedView'`,
    { db: database },
  )
  return [...new Set(views.map((v) => new RegExp(`\\bTO ${database}\\.(\\w+)`).exec(v.q)?.[1]).filter((t): t is string => !!t))].sort()
}

/** Totals of every aggregate column of a rollup table, comparable across two databases of the same schema. */
async function figures(store: Store, database: string, table: string): Promise<Record<string, string>> {
  const columns = await rows<{ name: string; type: string }>(
    store,
    'SELECT name, type FROM system.columns WHERE database = {db:String} AND table = {t:String} ORDER BY position',
    { db: database, t: table },
  )
  const exprs = columns.flatMap(({ name, type }) => {
    const fn = /^SimpleAggregateFunction\((sum|max|min|anyLast)\b/.exec(type)?.[1]
    if (fn === 'sum' || fn === 'max' || fn === 'min') return [`toString(${fn}(${name})) AS ${name}`]
    if (/^AggregateFunction\(uniq\b/.test(type)) return [`toString(uniqMerge(${name})) AS ${name}`]
    return []
  })
  if (exprs.length === 0) return {}
  const [r] = await rows<Record<string, string>>(store, `SELECT ${exprs.join(', ')} FROM ${database}.${table}`)
  return r
}

/**
 * The rollups as they are, next to the rollups the same views build from the
 * deduplicated events: a fresh database with the same migrations receives
 * `events FINAL` in one insert, and its views aggregate that. Equal figures
 * mean every rollup equals the same aggregate over the deduplicated events.
 */
export async function rollupsVsDeduplicated(store: Store): Promise<{ table: string; stored: Record<string, string>; expected: Record<string, string> }[]> {
  const reference = `${store.database}_dedup`
  const ref: Store = { ...store, database: reference }
  await migrate(ref, { retentionDays: 3650 })
  await store.client.command({ query: `INSERT INTO ${reference}.events SELECT * FROM ${store.database}.events FINAL` })
  const tables = await rollupTables(store, store.database)
  const out = []
  for (const table of tables) {
    out.push({ table, stored: await figures(store, store.database, table), expected: await figures(store, reference, table) })
  }
  await store.client.command({ query: `DROP DATABASE IF EXISTS ${reference} SYNC` })
  return out
}
