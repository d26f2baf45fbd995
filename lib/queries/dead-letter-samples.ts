import type { Store } from '../clickhouse/client'
import type { DeadLetterSample, Page } from '../dashboard/types'
import type { ResolvedRange } from '../time-range'
import { pageTotal, selectRows, streamRows, table, type PageParams, limitOffset } from './sql'

/** Payload previews are capped: a dead letter may be up to the max message size, the table shows a sample. */
const PAYLOAD_PREVIEW_CHARS = 600

type Row = Omit<DeadLetterSample, 'received_at'> & { received_ms: number }

const WHERE = `received_at >= fromUnixTimestamp64Milli({from:Int64}) AND received_at < fromUnixTimestamp64Milli({to:Int64})
      AND ({reason:String} = '' OR reason = {reason:String})`

/** The table's columns and order; the page adds its limit and a total, the export reads it whole. */
function samplesSql(store: Store, dir: 'asc' | 'desc', extra = ''): string {
  return `
    SELECT toUnixTimestamp64Milli(received_at) AS received_ms, src_topic, src_partition, src_offset, reason, error,
      substring(payload, 1, ${PAYLOAD_PREVIEW_CHARS}) AS payload, payload_bytes${extra}
    FROM ${table(store, 'dead_letters')}
    WHERE ${WHERE}
    ORDER BY received_at ${dir === 'asc' ? 'ASC' : 'DESC'}, src_partition, src_offset`
}

const sample = ({ received_ms, ...r }: Row): DeadLetterSample => ({ received_at: received_ms, ...r })

/** Dead letters in the window, newest first, optionally of one reason. */
export async function deadLetterSamples(store: Store, range: ResolvedRange, reason: string, page: PageParams<'received_at'>): Promise<Page<DeadLetterSample>> {
  const params = { from: range.fromMs, to: range.toMs, reason }
  const rows = await selectRows<Row & { total: number }>(
    store,
    `${samplesSql(store, page.dir, ', count() OVER () AS total')}
    ${limitOffset(page)}`,
    params,
  )
  const total = await pageTotal(store, rows, page, `SELECT 1 FROM ${table(store, 'dead_letters')} WHERE ${WHERE}`, params)
  return { total, ...page, rows: rows.map(({ total: _t, ...r }) => sample(r)) }
}

/** Every dead letter of the window in the table's order, streamed (the CSV export: no page, no total). */
export async function* deadLetterRows(store: Store, range: ResolvedRange, reason: string, dir: 'asc' | 'desc'): AsyncGenerator<DeadLetterSample> {
  for await (const r of streamRows<Row>(store, samplesSql(store, dir), { from: range.fromMs, to: range.toMs, reason })) yield sample(r)
}
