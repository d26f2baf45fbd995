import { z } from 'zod'
import { pageFields, rangeQuery } from '@/lib/dashboard/params'
import { csvHeaders, csvStream } from '@/lib/dashboard/csv'
import type { CostBreakdownRow } from '@/lib/dashboard/types'
import { COST_DIMENSIONS } from '@/lib/dashboard/types'
import { route } from '@/lib/runtime/route'
import { COST_SORTS, costBreakdown, costBreakdownRows } from '@/lib/queries/cost-breakdown'
import { appStore } from '@/lib/runtime/app-runtime'

/**
 * Same parameters as /api/cost/breakdown, so the export is exactly the table the user sees (the page they are on);
 * `all=true` exports every row in the table's order instead, streamed from the store.
 */
const query = rangeQuery({
  by: z.enum(COST_DIMENSIONS).default('feature'),
  ...pageFields(COST_SORTS, 'cost_micros', 25),
  all: z.enum(['true', 'false']).default('false'),
})

const usd = (micros: number) => (micros / 1_000_000).toFixed(6)
const line = (r: CostBreakdownRow) => [
  r.key,
  usd(r.cost_micros),
  r.requests,
  r.tokens,
  r.installs,
  usd(r.cost_per_request_micros),
  usd(r.cost_per_install_micros),
  r.share.toFixed(6),
  usd(r.cost_per_1k_tokens_micros),
]

export const GET = route({ role: 'viewer', query }, async ({ query }) => {
  const store = await appStore()
  async function* rows(): AsyncGenerator<(string | number)[]> {
    if (query.all === 'true') {
      for await (const r of costBreakdownRows(store, query.window, query.by, query.sort, query.dir)) yield line(r)
      return
    }
    const page = await costBreakdown(store, query.window, query.by, { sort: query.sort, dir: query.dir, offset: query.offset, limit: query.limit })
    for (const r of page.rows) yield line(r)
  }
  const header = [
    query.by,
    'cost_usd',
    'requests',
    'tokens',
    'active_installs',
    'cost_per_request_usd',
    'cost_per_install_usd',
    'share_of_spend',
    'cost_per_1k_tokens_usd',
  ]
  const stamp = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace(/[:T]/g, '')
  const name = `burnrate-cost-by-${query.by}-${query.tenant || 'all'}-${stamp(query.window.fromMs)}-${stamp(query.window.toMs)}${query.all === 'true' ? '-all' : ''}.csv`
  return new Response(csvStream(header, rows()), { headers: csvHeaders(name) })
})
