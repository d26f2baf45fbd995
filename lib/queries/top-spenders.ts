import type { Store } from '../clickhouse/client'
import type { SpenderRow, SpendersPage } from '../dashboard/types'
import { rangeSqlParams, rangeWhere, type ResolvedRange } from '../time-range'
import { orderLimit, pageTotal, selectRows, streamRows, table, type PageParams } from './sql'

export const SPENDER_SORTS = ['cost_micros', 'requests', 'tokens', 'streams', 'max_context_tokens', 'attest_rejected', 'policy_denials'] as const
export type SpenderSort = (typeof SPENDER_SORTS)[number]

/** One row per install in the window; the page and the total are both read from this. */
function perInstall(store: Store): string {
  return `
      SELECT tenant_id, install_id, sum(cost_micros) AS cost_micros, sum(requests) AS requests,
        sum(prompt_tokens + completion_tokens) AS tokens, sum(streams) AS streams,
        max(max_context_tokens) AS max_context_tokens, sum(attest_rejected) AS attest_rejected,
        sum(policy_denials) AS policy_denials
      FROM ${table(store, 'install_minute')}
      WHERE ${rangeWhere('minute')}
      GROUP BY tenant_id, install_id`
}

/**
 * Installs ranked by spend (or another column) in the window, from install_minute; one page plus the total count
 * (pageTotal).
 */
export async function topSpenders(store: Store, range: ResolvedRange, page: PageParams<SpenderSort>): Promise<SpendersPage> {
  const params = rangeSqlParams(range)
  const rows = await selectRows<SpenderRow & { total: number }>(
    store,
    `
    SELECT tenant_id, install_id, cost_micros, requests, tokens, streams, max_context_tokens, attest_rejected, policy_denials,
      count() OVER () AS total
    FROM (${perInstall(store)}
    )
    ${orderLimit(page, 'install_id ASC')}`,
    params,
  )
  const total = await pageTotal(store, rows, page, perInstall(store), params)
  return {
    from: range.fromMs,
    to: range.toMs,
    total,
    ...page,
    rows: rows.map(({ total: _t, ...r }) => r),
  }
}

/** Every install of the window in the table's order, streamed (the CSV export: no page, no total). */
export function topSpenderRows(store: Store, range: ResolvedRange, sort: SpenderSort, dir: 'asc' | 'desc'): AsyncGenerator<SpenderRow> {
  return streamRows<SpenderRow>(
    store,
    `
    SELECT tenant_id, install_id, cost_micros, requests, tokens, streams, max_context_tokens, attest_rejected, policy_denials
    FROM (${perInstall(store)}
    )
    ORDER BY ${sort} ${dir === 'asc' ? 'ASC' : 'DESC'}, install_id ASC`,
    rangeSqlParams(range),
  )
}
