import { rangeWhere, type ResolvedRange } from '../time-range'
import { table } from './sql'
import type { Store } from '../clickhouse/client'

/**
 * The whole hours inside the window's minutes, as epoch seconds [from, to).
 * The window holds the minutes m with from <= m < to; an hour counts only if
 * all of its minutes do. None: from = to, which excludes no minute.
 */
export function wholeHours(range: Pick<ResolvedRange, 'fromMs' | 'toMs'>): { hourFrom: number; hourTo: number } {
  const endS = Math.ceil(range.toMs / 60_000) * 60
  const hourFrom = Math.ceil(range.fromMs / 3_600_000) * 3600
  const hourTo = Math.floor(endS / 3600) * 3600
  return hourFrom < hourTo ? { hourFrom, hourTo } : { hourFrom: endS, hourTo: endS }
}

const HOUR_FROM = `toDateTime({hourFrom:UInt32}, 'UTC')`
const HOUR_TO = `toDateTime({hourTo:UInt32}, 'UTC')`

/**
 * usage_minute over the window as two partial aggregations to be merged by
 * the caller: the whole hours, which ClickHouse answers from the table's
 * hourly projection (migration 0007), and the minutes at the window's edges.
 * Over 24 hours that reads ~24 rows per dimension group instead of ~1,440.
 *
 * `select` may use only what the projection holds: the dimension columns,
 * sum() or max() of a counter, and uniqMergeState(installs); anything else
 * silently falls back to reading every minute. Params: the range's, plus
 * wholeHours(range).
 */
export function usageByHourAndEdges(store: Store, select: string, groupBy: string, filter = '1'): string {
  const from = `SELECT ${select} FROM ${table(store, 'usage_minute')}`
  return `${from}
      WHERE toStartOfHour(minute) >= ${HOUR_FROM} AND toStartOfHour(minute) < ${HOUR_TO}
        AND ({tenant:String} = '' OR tenant_id = {tenant:String}) AND ${filter}
      GROUP BY ${groupBy}
    UNION ALL
    ${from}
      WHERE ${rangeWhere('minute')} AND (minute < ${HOUR_FROM} OR minute >= ${HOUR_TO}) AND ${filter}
      GROUP BY ${groupBy}`
}
