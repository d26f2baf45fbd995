import { z } from 'zod'
import { csvHeaders, csvStream } from '@/lib/dashboard/csv'
import { rangeQuery } from '@/lib/dashboard/params'
import { COST_DIMENSIONS } from '@/lib/dashboard/types'
import { spendSeriesRows } from '@/lib/queries/spend-series-rows'
import { appStore } from '@/lib/runtime/app-runtime'
import { route } from '@/lib/runtime/route'

const GRANULARITY_S = { auto: 0, hour: 3600, day: 86_400 } as const

const query = rangeQuery({ by: z.enum(COST_DIMENSIONS).default('feature'), granularity: z.enum(['auto', 'hour', 'day']).default('auto') })

const usd = (micros: number) => (micros / 1_000_000).toFixed(6)
const stamp = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace(/[:T]/g, '')

/**
 * GET /api/cost/series/export: the "Cost over time" chart as CSV, one line per
 * bucket and value of `by` (no "other" folding, no bucket cap), streamed from
 * the store as it reads, so a 90-day hourly export holds one block in memory.
 */
export const GET = route({ role: 'viewer', query }, async ({ query }) => {
  const window = { ...query.window, stepS: GRANULARITY_S[query.granularity] || query.window.stepS }
  const rows = spendSeriesRows(await appStore(), window, query.by)
  async function* lines() {
    for await (const r of rows) {
      const per = (d: number) => usd(d ? r.cost_micros / d : 0)
      yield [
        new Date(r.t).toISOString(),
        r.key,
        usd(r.cost_micros),
        r.requests,
        r.tokens,
        per(r.requests),
        usd(r.tokens ? (r.cost_micros * 1000) / r.tokens : 0),
      ]
    }
  }
  const body = csvStream(['bucket_start_utc', query.by, 'cost_usd', 'requests', 'tokens', 'cost_per_request_usd', 'cost_per_1k_tokens_usd'], lines())
  return new Response(body, {
    headers: csvHeaders(`burnrate-cost-over-time-by-${query.by}-${query.tenant || 'all'}-${stamp(window.fromMs)}-${stamp(window.toMs)}.csv`),
  })
})
