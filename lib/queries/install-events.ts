import type { Store } from '../clickhouse/client'
import type { InstallEventRow, InstallEventsPage } from '../dashboard/types'
import type { ResolvedRange } from '../time-range'
import { pageTotal, selectRows, streamRows, table, type PageParams, limitOffset } from './sql'

export const INSTALL_EVENT_TYPES = ['all', 'llm_request', 'stream', 'attestation', 'policy_denial'] as const
export type InstallEventType = (typeof INSTALL_EVENT_TYPES)[number]

/** The install's events of the type in the window: shared by the page and the past-the-end count. */
function eventsWhere(): string {
  return `tenant_id = {tenant:String} AND install_id = {install:String}
      AND ts >= fromUnixTimestamp64Milli({from:Int64}) AND ts < fromUnixTimestamp64Milli({to:Int64})
      AND ({type:String} = 'all' OR type = {type:String})`
}

type Row = Omit<InstallEventRow, 'ts'> & { ts_ms: number }

/** The table's columns and order; the page adds its limit and a total, the export reads it whole. */
function eventsSql(store: Store, dir: 'asc' | 'desc', extra = ''): string {
  return `
    SELECT toUnixTimestamp64Milli(ts) AS ts_ms, type, feature, model, prompt_tokens, completion_tokens, context_tokens,
      cost_micros, outcome, end_reason, duration_ms, verdict, reasons, rule_kind${extra}
    FROM ${table(store, 'events')}
    WHERE ${eventsWhere()}
    ORDER BY ts ${dir === 'asc' ? 'ASC' : 'DESC'}, event_id`
}

const eventRow = ({ ts_ms, ...r }: Row): InstallEventRow => ({ ts: ts_ms, ...r })

/**
 * One install's raw events in the window, newest first. This is the one
 * dashboard read of the raw table by design: it needs individual verdicts and
 * streams, and (tenant_id, install_id) is the table's key prefix, so it reads
 * only that install's granules. The total rides on the page's rows; a page
 * past the end has none, so only then is it counted separately.
 */
export async function installEvents(
  store: Store,
  range: ResolvedRange,
  tenant: string,
  installId: string,
  type: InstallEventType,
  page: PageParams<'ts'>,
): Promise<InstallEventsPage> {
  const params = { tenant, install: installId, from: range.fromMs, to: range.toMs, type }
  const rows = await selectRows<Row & { total: number }>(
    store,
    `${eventsSql(store, page.dir, ', count() OVER () AS total')}
    ${limitOffset(page)}`,
    params,
  )
  const total = await pageTotal(store, rows, page, `SELECT 1 FROM ${table(store, 'events')} WHERE ${eventsWhere()}`, params)
  return { install_id: installId, total, ...page, rows: rows.map(({ total: _t, ...r }) => eventRow(r)) }
}

/** Every event of the install in the window in the table's order, streamed (the CSV export: no page, no total). */
export async function* installEventRows(
  store: Store,
  range: ResolvedRange,
  tenant: string,
  installId: string,
  type: InstallEventType,
  dir: 'asc' | 'desc',
): AsyncGenerator<InstallEventRow> {
  const params = { tenant, install: installId, from: range.fromMs, to: range.toMs, type }
  for await (const r of streamRows<Row>(store, eventsSql(store, dir), params)) yield eventRow(r)
}
