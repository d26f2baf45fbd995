import { z } from 'zod'
import { csvDownload, fileStamp, isoCell, usdCell } from '@/lib/dashboard/csv-route'
import { rangeQuery } from '@/lib/dashboard/params'
import { COST_DIMENSIONS } from '@/lib/dashboard/types'
import { spendSeriesRows, type SpendSeriesRow } from '@/lib/queries/spend-series-rows'
import { appStore } from '@/lib/runtime/app-runtime'
import { route } from '@/lib/runtime/route'

const GRANULARITY_S = { auto: 0, hour: 3600, day: 86_400 } as const

const query = rangeQuery({ by: z.enum(COST_DIMENSIONS).default('feature'), granularity: z.enum(['auto', 'hour', 'day']).default('auto') })

/**
 * GET /api/cost/series/export: the "Cost over time" chart as CSV, one line per
 * bucket and value of `by` (no "other" folding, no bucket cap), streamed from
 * the store as it reads, so a 90-day hourly export holds one block in memory.
 */
export const GET = route({ role: 'viewer', query, expensive: true }, async ({ query }) => {
  const window = { ...query.window, stepS: GRANULARITY_S[query.granularity] || query.window.stepS }
  const rows = spendSeriesRows(await appStore(), window, query.by)
  const table = {
    header: ['bucket_start_utc', query.by, 'cost_usd', 'requests', 'tokens', 'cost_per_request_usd', 'cost_per_1k_tokens_usd'],
    line: (r: SpendSeriesRow) => [
      isoCell(r.t),
      r.key,
      usdCell(r.cost_micros),
      r.requests,
      r.tokens,
      usdCell(r.requests ? r.cost_micros / r.requests : 0),
      usdCell(r.tokens ? (r.cost_micros * 1000) / r.tokens : 0),
    ],
  }
  return csvDownload(['cost-over-time-by', query.by, query.tenant || 'all', fileStamp(window.fromMs), fileStamp(window.toMs)], table, rows)
})
