import type { Store } from '../clickhouse/client'
import { selectRows } from '../clickhouse/select'

/** One detection query's rows, through the one read helper (its 30 s cap covers rankings a viewer asks for, issue 18 F11). */
export function queryRows<T>(store: Store, query: string, params: Record<string, unknown>): Promise<T[]> {
  return selectRows<T>(store, query, params)
}

/** Epoch ms → the UInt32 seconds the SQL parameters take. */
export const toSec = (ms: number) => Math.floor(ms / 1000)

export const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v ?? 0))
