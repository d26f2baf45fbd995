import { z } from 'zod'
import { pageFields, rangeQuery } from '@/lib/dashboard/params'
import { toCsv } from '@/lib/dashboard/csv'
import { COST_DIMENSIONS } from '@/lib/dashboard/types'
import { route } from '@/lib/runtime/route'
import { COST_SORTS, costBreakdown } from '@/lib/queries/cost-breakdown'
import { appStore } from '@/lib/runtime/app-runtime'

/** Same parameters as /api/cost/breakdown, so the export is exactly the table the user sees (the page they are on). */
const query = rangeQuery({ by: z.enum(COST_DIMENSIONS).default('feature'), ...pageFields(COST_SORTS, 'cost_micros', 25) })

const usd = (micros: number) => (micros / 1_000_000).toFixed(6)

export const GET = route({ role: 'viewer', query }, async ({ query }) => {
  const page = await costBreakdown(await appStore(), query.window, query.by, { sort: query.sort, dir: query.dir, page: query.page, pageSize: query.pageSize })
  const csv = toCsv(
    [query.by, 'cost_usd', 'requests', 'tokens', 'active_installs', 'cost_per_request_usd', 'cost_per_install_usd', 'share_of_spend', 'cost_per_1k_tokens_usd'],
    page.rows.map((r) => [r.key, usd(r.cost_micros), r.requests, r.tokens, r.installs, usd(r.cost_per_request_micros), usd(r.cost_per_install_micros), r.share.toFixed(6), usd(r.cost_per_1k_tokens_micros)]),
  )
  const stamp = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace(/[:T]/g, '')
  const name = `burnrate-cost-by-${query.by}-${query.tenant || 'all'}-${stamp(query.window.fromMs)}-${stamp(query.window.toMs)}.csv`
  return new Response(csv, {
    headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${name}"`, 'cache-control': 'no-store' },
  })
})
