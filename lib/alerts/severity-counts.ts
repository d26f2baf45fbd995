import type { Store } from '../clickhouse/client'
import { selectRows } from '../clickhouse/select'
import type { Severity } from '../detection/types'

/**
 * Rows matching `where` in the alerts or incidents table, and how many of each severity are active
 * (open or acknowledged): the totals of both lists, read the same way.
 */
export async function severityCounts(
  store: Store,
  tableName: 'alerts' | 'incidents',
  where: string,
  params: Record<string, unknown>,
): Promise<{ total: number; counts: Record<Severity, number> }> {
  const groups = await selectRows<{ severity: Severity; n: string | number; active: string | number }>(
    store,
    `SELECT severity, count() AS n, countIf(state IN ('open', 'acknowledged')) AS active FROM ${store.database}.${tableName} FINAL WHERE ${where} GROUP BY severity`,
    params,
  )
  const counts: Record<Severity, number> = { info: 0, warning: 0, critical: 0 }
  let total = 0
  for (const g of groups) {
    total += Number(g.n)
    if (g.severity in counts) counts[g.severity] = Number(g.active)
  }
  return { total, counts }
}
