import { z } from 'zod'
import { pageFields, rangeQuery } from '@/lib/dashboard/params'
import { csvDownload, fileStamp, usdCell } from '@/lib/dashboard/csv-route'
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

const HEADER = ['cost_usd', 'requests', 'tokens', 'active_installs', 'cost_per_request_usd', 'cost_per_install_usd', 'share_of_spend', 'cost_per_1k_tokens_usd']
const line = (r: CostBreakdownRow) => [
  r.key,
  usdCell(r.cost_micros),
  r.requests,
  r.tokens,
  r.installs,
  usdCell(r.cost_per_request_micros),
  usdCell(r.cost_per_install_micros),
  r.share.toFixed(6),
  usdCell(r.cost_per_1k_tokens_micros),
]

export const GET = route({ role: 'viewer', query, expensive: true }, async ({ query }) => {
  const store = await appStore()
  const page = { sort: query.sort, dir: query.dir, offset: query.offset, limit: query.limit }
  const rows =
    query.all === 'true'
      ? costBreakdownRows(store, query.window, query.by, query.sort, query.dir)
      : (await costBreakdown(store, query.window, query.by, page)).rows
  const name = [
    'cost-by',
    query.by,
    query.tenant || 'all',
    fileStamp(query.window.fromMs),
    fileStamp(query.window.toMs),
    ...(query.all === 'true' ? ['all'] : []),
  ]
  return csvDownload(name, { header: [query.by, ...HEADER], line }, rows)
})
