import type { Store } from '../clickhouse/client'
import type { DeadLetterSample, Page } from '../dashboard/types'
import type { ResolvedRange } from '../time-range'
import { pageTotal, selectRows, table, type PageParams, limitOffset } from './sql'

/** Payload previews are capped: a dead letter may be up to the max message size, the table shows a sample. */
const PAYLOAD_PREVIEW_CHARS = 600

/** Dead letters in the window, newest first, optionally of one reason. */
export async function deadLetterSamples(store: Store, range: ResolvedRange, reason: string, page: PageParams<'received_at'>): Promise<Page<DeadLetterSample>> {
  const where = `received_at >= fromUnixTimestamp64Milli({from:Int64}) AND received_at < fromUnixTimestamp64Milli({to:Int64})
      AND ({reason:String} = '' OR reason = {reason:String})`
  const params = { from: range.fromMs, to: range.toMs, reason }
  const rows = await selectRows<Omit<DeadLetterSample, 'received_at'> & { received_ms: number; total: number }>(
    store,
    `
    SELECT toUnixTimestamp64Milli(received_at) AS received_ms, src_topic, src_partition, src_offset, reason, error,
      substring(payload, 1, ${PAYLOAD_PREVIEW_CHARS}) AS payload, payload_bytes, count() OVER () AS total
    FROM ${table(store, 'dead_letters')}
    WHERE ${where}
    ORDER BY received_at ${page.dir === 'asc' ? 'ASC' : 'DESC'}, src_partition, src_offset
    ${limitOffset(page)}`,
    params,
  )
  const total = await pageTotal(store, rows, page, `SELECT 1 FROM ${table(store, 'dead_letters')} WHERE ${where}`, params)
  return { total, ...page, rows: rows.map(({ total: _t, received_ms, ...r }) => ({ received_at: received_ms, ...r })) }
}
