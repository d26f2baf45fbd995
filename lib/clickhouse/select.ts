import type { Store } from './client'

/**
 * The one read helper: runs a query with `{name:Type}` parameters and returns its rows (lib/queries,
 * alerts, audit, policy and auth read through it; lib/queries/sql.ts re-exports it). 64-bit integers
 * come back as JSON numbers: every counter we read is far below 2^53, and the UI needs numbers, not
 * strings. Reads are capped at 30 s, as the dashboard's are.
 */
export async function selectRows<T>(store: Store, query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const rs = await store.client.query({
    query,
    query_params: params,
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0, max_execution_time: 30 },
  })
  return rs.json<T>()
}

/** Fully qualified table name in the store's database. */
export function table(store: Store, name: string): string {
  return `${store.database}.${name}`
}
