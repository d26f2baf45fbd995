import type { Store } from '../clickhouse/client'

/** Runs one detection query and returns its rows; numbers may arrive as strings (UInt64), callers coerce. */
export async function queryRows<T>(store: Store, query: string, params: Record<string, unknown>): Promise<T[]> {
  // Rankings run these on a viewer's request too: the dashboard reads' 30 s cap (issue 18, F11).
  const result = await store.client.query({ query, query_params: params, format: 'JSONEachRow', clickhouse_settings: { max_execution_time: 30 } })
  return result.json<T>()
}

/** Epoch ms → the UInt32 seconds the SQL parameters take. */
export const toSec = (ms: number) => Math.floor(ms / 1000)

export const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v ?? 0))
