import type { Store } from './client'
import type { Migration, MigrationContext } from './migrations/types'

/** Stands in for RETENTION_DAYS when migrations are rendered to find where it ends up. */
const SENTINEL = 987_654_321
const PLACEHOLDER = '{retentionDays}'

/**
 * The tables whose TTL follows RETENTION_DAYS, with their TTL expression as a
 * template, read off the migrations themselves: each is rendered with a
 * sentinel retention, and every CREATE TABLE … TTL or ALTER … MODIFY TTL
 * whose expression contains it names a table. A later MODIFY TTL with a fixed
 * interval takes the table out. So a migration that adds a table kept for
 * RETENTION_DAYS is covered without a list to keep in step.
 */
export function retentionTables(migrations: Migration[]): Map<string, string> {
  const ctx: MigrationContext = { db: 'db', onCluster: '', retentionDays: SENTINEL, engine: (family, args = '') => `${family}(${args})` }
  const tables = new Map<string, string>()
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    for (const sql of m.statements(ctx)) {
      const created = /^\s*CREATE TABLE (?:IF NOT EXISTS )?db\.(\w+)[\s\S]*?\bTTL\s+([\s\S]+?)(?=\s+SETTINGS\b|\s*$)/.exec(sql)
      const altered = /^\s*ALTER TABLE db\.(\w+)[\s\S]*?\bMODIFY TTL\s+([\s\S]+?)\s*$/.exec(sql)
      const match = created ?? altered
      if (!match) continue
      const [, table, ttl] = match
      if (ttl.includes(`INTERVAL ${SENTINEL} DAY`)) tables.set(table, ttl.replaceAll(String(SENTINEL), PLACEHOLDER))
      else tables.delete(table)
    }
  }
  return tables
}

/** The day counts in a table's current TTL clause, as system.tables shows it (toIntervalDay(n) on current servers). */
export function ttlDays(createTableQuery: string): number[] {
  const clause = /\bTTL\s+([\s\S]+?)(?=\s+SETTINGS\b|$)/.exec(createTableQuery)?.[1] ?? ''
  return [...clause.matchAll(/toIntervalDay\((\d+)\)|INTERVAL (\d+) DAY/g)].map((m) => Number(m[1] ?? m[2]))
}

/**
 * Makes the TTL of every retention table say `retentionDays`. Migrations fix a
 * table's TTL when they create it; without this, changing RETENTION_DAYS later
 * changed nothing. Runs after migrations at every start and alters only the
 * tables whose TTL differs, so an unchanged setting costs one system.tables
 * read. MODIFY TTL recomputes the TTL of existing parts in the background (a
 * mutation): with a shorter retention, old rows go without waiting for merges.
 * Returns the tables it altered.
 */
export async function applyRetention(store: Store, opts: { retentionDays: number; migrations: Migration[]; onCluster: string }): Promise<string[]> {
  const wanted = retentionTables(opts.migrations)
  if (wanted.size === 0) return []
  const rs = await store.client.query({
    query: 'SELECT name, create_table_query FROM system.tables WHERE database = {db:String} AND name IN {names:Array(String)}',
    query_params: { db: store.database, names: [...wanted.keys()] },
    format: 'JSONEachRow',
  })
  const altered: string[] = []
  for (const { name, create_table_query } of await rs.json<{ name: string; create_table_query: string }>()) {
    const days = ttlDays(create_table_query)
    if (days.length > 0 && days.every((d) => d === opts.retentionDays)) continue
    const ttl = wanted.get(name)!.replaceAll(PLACEHOLDER, String(opts.retentionDays))
    await store.client.command({ query: `ALTER TABLE ${store.database}.${name}${opts.onCluster} MODIFY TTL ${ttl}` })
    altered.push(name)
  }
  return altered.sort()
}
