import type { Store } from '../clickhouse/client'
import { selectRows, table } from './sql'

/** Tenants with traffic in the last 92 days, for the tenant filter; from usage_day (a few rows per tenant and day). */
export async function tenants(store: Store): Promise<string[]> {
  const rows = await selectRows<{ tenant_id: string }>(
    store,
    `
    SELECT DISTINCT tenant_id FROM ${table(store, 'usage_day')}
    WHERE day >= toStartOfDay(now() - INTERVAL 92 DAY)
    ORDER BY tenant_id`,
  )
  return rows.map((r) => r.tenant_id)
}
