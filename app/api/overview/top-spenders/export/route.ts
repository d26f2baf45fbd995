import { z } from 'zod'
import { csvHeaders, csvStream } from '@/lib/dashboard/csv'
import { rangeQuery } from '@/lib/dashboard/params'
import { SPENDER_SORTS, topSpenderRows } from '@/lib/queries/top-spenders'
import { appStore } from '@/lib/runtime/app-runtime'
import { route } from '@/lib/runtime/route'

const query = rangeQuery({
  sort: z.enum(SPENDER_SORTS).default('cost_micros'),
  dir: z.enum(['asc', 'desc']).default('desc'),
})

const HEADER = ['tenant', 'install_id', 'cost_usd', 'requests', 'tokens', 'streams', 'max_context_tokens', 'attestations_rejected', 'policy_denials']

/**
 * GET /api/overview/top-spenders/export?range&tenant&sort&dir → every install of the window as CSV, in the table's
 * order, streamed from the store. Install ids are client-sent text: the CSV writer guards them against formulas.
 */
export const GET = route({ role: 'viewer', query }, async ({ query }) => {
  const store = await appStore()
  async function* rows(): AsyncGenerator<(string | number)[]> {
    for await (const r of topSpenderRows(store, query.window, query.sort, query.dir)) {
      yield [
        r.tenant_id,
        r.install_id,
        (r.cost_micros / 1_000_000).toFixed(6),
        r.requests,
        r.tokens,
        r.streams,
        r.max_context_tokens,
        r.attest_rejected,
        r.policy_denials,
      ]
    }
  }
  const stamp = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace(/[:T]/g, '')
  const name = `burnrate-top-spenders-${query.tenant || 'all'}-${stamp(query.window.fromMs)}-${stamp(query.window.toMs)}.csv`
  return new Response(csvStream(HEADER, rows()), { headers: csvHeaders(name) })
})
