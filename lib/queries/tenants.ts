import type { Store } from '../clickhouse/client'
import { selectRows, table } from './sql'

/** Tenants with traffic in the last 92 days, for the tenant filter. */
export async function tenants(store: Store): Promise<string[]> {
  const rows = await selectRows<{ tenant_id: string }>(store, `
    SELECT DISTINCT tenant_id FROM ${table(store, 'usage_minute')}
    WHERE minute >= now() - INTERVAL 92 DAY
    ORDER BY tenant_id`)
  return rows.map((r) => r.tenant_id)
}
