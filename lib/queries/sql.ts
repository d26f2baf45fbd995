import type { Store } from '../clickhouse/client'

/**
 * Shared plumbing for lib/queries (each other file there holds one read query). selectRows and
 * table are the store-level read helper of lib/clickhouse/select.ts, re-exported here.
 */
export { selectRows, table } from '../clickhouse/select'
import { selectRows } from '../clickhouse/select'

/** Sort and page parameters after validation; `sort` is always one of a whitelist, so it may be inlined. */
export interface PageParams<Sort extends string> {
  sort: Sort
  dir: 'asc' | 'desc'
  offset: number
  limit: number
}

/** LIMIT and OFFSET of a validated page (integers by schema; floored again since they are inlined). */
export function limitOffset(p: { offset: number; limit: number }): string {
  return `LIMIT ${Math.floor(p.limit)} OFFSET ${Math.floor(p.offset)}`
}

export function orderLimit<Sort extends string>(p: PageParams<Sort>, tiebreak: string): string {
  const dir = p.dir === 'asc' ? 'ASC' : 'DESC'
  return `ORDER BY ${p.sort} ${dir}, ${tiebreak} ${limitOffset(p)}`
}

/**
 * The total of a paged query whose rows carry it (count() OVER ()), which
 * costs nothing extra. A page past the end has no rows to carry it, so only
 * then is `countSql` run: the UI needs the true total to offer the last page.
 */
export async function pageTotal(
  store: Store,
  rows: readonly { total: number }[],
  page: { offset: number },
  countSql: string,
  params: Record<string, unknown>,
): Promise<number> {
  if (rows.length > 0) return rows[0].total
  if (page.offset === 0) return 0
  return (await selectRows<{ total: number }>(store, `SELECT count() AS total FROM (${countSql})`, params))[0]?.total ?? 0
}

/**
 * Rows of a query as the store streams them (ResultSet stream, JSONEachRow),
 * for exports: a 90-day export never holds the result in memory. Breaking
 * out of the loop (a closed download) ends the stream and the query.
 */
export async function* streamRows<T>(store: Store, query: string, params: Record<string, unknown> = {}): AsyncGenerator<T> {
  const rs = await store.client.query({
    query,
    query_params: params,
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0, max_execution_time: 300 },
  })
  try {
    for await (const batch of rs.stream()) {
      for (const row of batch as { json<R>(): R }[]) yield row.json<T>()
    }
  } finally {
    rs.close()
  }
}
