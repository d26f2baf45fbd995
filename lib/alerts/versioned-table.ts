import type { Store } from '../clickhouse/client'
import { selectRows } from '../clickhouse/select'
import { streamRows } from '../queries/sql'
import type { Severity } from '../detection/types'
import type { AlertState } from './types'

/**
 * The reads alerts and incidents share. Both tables are ReplacingMergeTree on `version`: an update
 * inserts the whole row again, reads use FINAL. Both are listed by the same filters, orders and
 * severity totals, and the reconciler reads the same "active" set of each; those live here once.
 */
export type VersionedTable = 'alerts' | 'incidents'

// Int64 arrives as a JSON string of digits.
export const fromTs = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v))
export const requiredTs = (v: unknown) => fromTs(v) ?? 0

/** Rows of the latest version matching `where` (FINAL), mapped by the table's own row reader. */
export async function selectLatest<T>(
  store: Store,
  table: VersionedTable,
  columns: string,
  where: string,
  params: Record<string, unknown>,
  tail: string,
  fromRow: (r: Record<string, unknown>) => T,
): Promise<T[]> {
  const rows = await selectRows<Record<string, unknown>>(store, `SELECT ${columns} FROM ${store.database}.${table} FINAL WHERE ${where} ${tail}`, params)
  return rows.map(fromRow)
}

/** What the reconciler must consider: everything not resolved, plus what was resolved since `{since}` (may reopen). */
export const ACTIVE_OR_RESOLVED_SINCE = `state != 'resolved' OR resolved_at >= fromUnixTimestamp64Milli({since:Int64})`

export type ListSort = 'last_seen' | 'first_seen' | 'score' | 'severity'

const ORDER_BY: Record<ListSort, string> = {
  last_seen: 'last_seen DESC, id',
  first_seen: 'first_seen DESC, id',
  score: 'score DESC, last_seen DESC, id',
  severity: "indexOf(['critical', 'warning', 'info'], severity), last_seen DESC, id",
}

/** The filters both lists take; each adds its own conditions (`extra`) to these. */
export interface ListFilter {
  states?: AlertState[]
  severities?: Severity[]
  tenant?: string
  fromMs: number
  toMs: number
  limit: number
  offset: number
  sort: ListSort
}

/** The WHERE of a list (records seen in [from, to), overlapping the range) and its parameters. */
function listWhere(f: Omit<ListFilter, 'limit' | 'offset'>, extra: { where: string[]; params: Record<string, unknown> }) {
  const where = [
    'last_seen >= fromUnixTimestamp64Milli({from:Int64})',
    'first_seen < fromUnixTimestamp64Milli({to:Int64})',
    f.states?.length ? 'state IN {states:Array(String)}' : '',
    f.severities?.length ? 'severity IN {severities:Array(String)}' : '',
    f.tenant ? 'tenant_id = {tenant:String}' : '',
    ...extra.where,
  ]
    .filter(Boolean)
    .join(' AND ')
  const params = { from: f.fromMs, to: f.toMs, states: f.states ?? [], severities: f.severities ?? [], tenant: f.tenant ?? '', ...extra.params }
  return { where, params }
}

/**
 * One page of records seen in [from, to) (overlapping the range), in the asked order, with the total and the
 * active (open or acknowledged) count per severity of every matching row.
 */
export async function listPage<T>(
  store: Store,
  table: VersionedTable,
  f: ListFilter,
  extra: { where: string[]; params: Record<string, unknown> },
  select: (where: string, params: Record<string, unknown>, tail: string) => Promise<T[]>,
): Promise<{ rows: T[]; total: number; counts: Record<Severity, number> }> {
  const { where, params } = listWhere(f, extra)
  const rows = await select(where, { ...params, limit: f.limit, offset: f.offset }, `ORDER BY ${ORDER_BY[f.sort]} LIMIT {limit:UInt32} OFFSET {offset:UInt32}`)
  return { rows, ...(await severityCounts(store, table, where, params)) }
}

/** Every record of the list in the page's order, streamed (the CSV export: no page, no totals). */
export async function* listRows<T>(
  store: Store,
  table: VersionedTable,
  columns: string,
  f: Omit<ListFilter, 'limit' | 'offset'>,
  extra: { where: string[]; params: Record<string, unknown> },
  fromRow: (r: Record<string, unknown>) => T,
): AsyncGenerator<T> {
  const { where, params } = listWhere(f, extra)
  const sql = `SELECT ${columns} FROM ${store.database}.${table} FINAL WHERE ${where} ORDER BY ${ORDER_BY[f.sort]}`
  for await (const r of streamRows<Record<string, unknown>>(store, sql, params)) yield fromRow(r)
}

async function severityCounts(
  store: Store,
  table: VersionedTable,
  where: string,
  params: Record<string, unknown>,
): Promise<{ total: number; counts: Record<Severity, number> }> {
  const groups = await selectRows<{ severity: Severity; n: string | number; active: string | number }>(
    store,
    `SELECT severity, count() AS n, countIf(state IN ('open', 'acknowledged')) AS active FROM ${store.database}.${table} FINAL WHERE ${where} GROUP BY severity`,
    params,
  )
  const counts: Record<Severity, number> = { info: 0, warning: 0, critical: 0 }
  let total = 0
  for (const g of groups) {
    total += Number(g.n)
    if (g.severity in counts) counts[g.severity] = Number(g.active)
  }
  return { total, counts }
}

/**
 * True when any of `ids` was written with a higher version than the one in `read` (rows read earlier, e.g. by a
 * detection run): someone else changed it meanwhile, and writing the planned row would undo their change.
 */
export async function changedSinceRead(store: Store, table: VersionedTable, read: { id: string; version: number }[], ids: string[]): Promise<boolean> {
  const readVersion = new Map(read.map((r) => [r.id, r.version]))
  const known = ids.filter((id) => readVersion.has(id))
  if (known.length === 0) return false
  const rows = await selectRows<{ id: string; version: string | number }>(
    store,
    `SELECT id, max(version) AS version FROM ${store.database}.${table} WHERE id IN {ids:Array(String)} GROUP BY id`,
    { ids: known },
  )
  return rows.some((r) => Number(r.version) > (readVersion.get(r.id) ?? Infinity))
}
