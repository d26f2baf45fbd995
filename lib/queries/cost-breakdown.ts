import type { Store } from '../clickhouse/client'
import type { CostBreakdownRow, CostDimension, Page } from '../dashboard/types'
import type { ResolvedRange } from '../time-range'
import { orderLimit, pageTotal, selectRows, streamRows, type PageParams } from './sql'
import { installsBy } from './install-sketch'
import { tierParams, usageTiers, type Tiers } from './usage-tiers'

export const COST_SORTS = [
  'cost_micros',
  'requests',
  'tokens',
  'installs',
  'cost_per_request_micros',
  'cost_per_install_micros',
  'cost_per_1k_tokens_micros',
  'key',
] as const
export type CostSort = (typeof COST_SORTS)[number]

/**
 * One row per value of the dimension in the window; the page and the total are both read from this.
 * Sums come from the usage rollups, active installs from the per-dimension sketches (install-sketch.ts):
 * merging usage rollups' uniq states per (feature, model, version, platform) group cost 0.4–1 s at 30 days.
 */
function perKey(store: Store, by: CostDimension, tenant: string, cut: Tiers): string {
  return `
      SELECT s.key AS key, s.cost_micros AS cost_micros, s.requests AS requests, s.tokens AS tokens, i.installs AS installs
      FROM (
        SELECT toString(${by}) AS key, sum(cost_micros) AS cost_micros, sum(requests) AS requests,
          sum(prompt_tokens + completion_tokens) AS tokens
        FROM (${usageTiers(store, [by, 'cost_micros', 'requests', 'prompt_tokens', 'completion_tokens'], cut)})
        WHERE ${by} != ''
        GROUP BY key
      ) AS s
      LEFT JOIN (${installsBy(store, by, cut, { tenant })}) AS i ON i.key = s.key`
}

/** The table's columns over perKey's rows: unit costs and share of spend. */
const UNIT_COSTS = `key, cost_micros, requests, tokens, installs,
      if(requests = 0, 0, cost_micros / requests) AS cost_per_request_micros,
      if(installs = 0, 0, cost_micros / installs) AS cost_per_install_micros,
      if(tokens = 0, 0, cost_micros * 1000 / tokens) AS cost_per_1k_tokens_micros,
      if(sum(cost_micros) OVER () = 0, 0, cost_micros / sum(cost_micros) OVER ()) AS share`

/**
 * Spend per value of one dimension in the window with unit costs, from
 * the usage rollups (days, hours, edge minutes). The same rows feed the table and the CSV export, so the file
 * a finance user downloads matches what they saw. The total rides on the
 * page's rows; a page past the end has none, so only then is it counted
 * separately (the UI needs the true total to lead back to a real page).
 */
export async function costBreakdown(store: Store, range: ResolvedRange, by: CostDimension, page: PageParams<CostSort>): Promise<Page<CostBreakdownRow>> {
  const params = tierParams(range)
  const rows = await selectRows<CostBreakdownRow & { total: number }>(
    store,
    `
    SELECT ${UNIT_COSTS},
      count() OVER () AS total
    FROM (${perKey(store, by, range.tenant, params)}
    )
    ${orderLimit(page, 'key ASC')}`,
    params,
  )
  const total = await pageTotal(store, rows, page, perKey(store, by, range.tenant, params), params)
  return { total, ...page, rows: rows.map(({ total: _t, ...r }) => r) }
}

/** Every row of the breakdown in the table's order, streamed (the "all rows" CSV export). */
export function costBreakdownRows(
  store: Store,
  range: ResolvedRange,
  by: CostDimension,
  sort: CostSort,
  dir: 'asc' | 'desc',
): AsyncGenerator<CostBreakdownRow> {
  const params = tierParams(range)
  return streamRows<CostBreakdownRow>(
    store,
    `
    SELECT ${UNIT_COSTS}
    FROM (${perKey(store, by, range.tenant, params)}
    )
    ORDER BY ${sort} ${dir === 'asc' ? 'ASC' : 'DESC'}, key ASC`,
    params,
  )
}
