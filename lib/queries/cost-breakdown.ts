import type { Store } from '../clickhouse/client'
import type { CostBreakdownRow, CostDimension, Page } from '../dashboard/types'
import type { ResolvedRange } from '../time-range'
import { orderLimit, pageTotal, selectRows, type PageParams } from './sql'
import { tierParams, usageTiers } from './usage-tiers'

export const COST_SORTS = ['cost_micros', 'requests', 'tokens', 'installs', 'cost_per_request_micros', 'cost_per_install_micros', 'cost_per_1k_tokens_micros', 'key'] as const
export type CostSort = (typeof COST_SORTS)[number]

/** One row per value of the dimension in the window; the page and the total are both read from this. */
function perKey(store: Store, by: CostDimension): string {
  return `
      SELECT toString(${by}) AS key, sum(cost_micros) AS cost_micros, sum(requests) AS requests,
        sum(prompt_tokens + completion_tokens) AS tokens, uniqMerge(installs) AS installs
      FROM (${usageTiers(store, [by, 'cost_micros', 'requests', 'prompt_tokens', 'completion_tokens', 'installs'])})
      WHERE ${by} != ''
      GROUP BY key`
}

/**
 * Spend per value of one dimension in the window with unit costs, from
 * the usage rollups (days, hours, edge minutes). The same rows feed the table and the CSV export, so the file
 * a finance user downloads matches what they saw. The total rides on the
 * page's rows; a page past the end has none, so only then is it counted
 * separately (the UI needs the true total to lead back to a real page).
 */
export async function costBreakdown(store: Store, range: ResolvedRange, by: CostDimension, page: PageParams<CostSort>): Promise<Page<CostBreakdownRow>> {
  const params = tierParams(range)
  const rows = await selectRows<CostBreakdownRow & { total: number }>(store, `
    SELECT key, cost_micros, requests, tokens, installs,
      if(requests = 0, 0, cost_micros / requests) AS cost_per_request_micros,
      if(installs = 0, 0, cost_micros / installs) AS cost_per_install_micros,
      if(tokens = 0, 0, cost_micros * 1000 / tokens) AS cost_per_1k_tokens_micros,
      if(sum(cost_micros) OVER () = 0, 0, cost_micros / sum(cost_micros) OVER ()) AS share,
      count() OVER () AS total
    FROM (${perKey(store, by)}
    )
    ${orderLimit(page, 'key ASC')}`, params)
  const total = await pageTotal(store, rows, page, perKey(store, by), params)
  return { total, ...page, rows: rows.map(({ total: _t, ...r }) => r) }
}
