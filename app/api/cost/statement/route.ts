import { z } from 'zod'
import { csvHeaders, csvStream } from '@/lib/dashboard/csv'
import { route } from '@/lib/runtime/route'
import { tenantStatement } from '@/lib/queries/tenant-statement'
import { appStore } from '@/lib/runtime/app-runtime'
import { rangeParams } from '@/lib/time-range'

const query = z.object({
  tenant: rangeParams.tenant.refine((t) => t !== '', 'pick a tenant'),
  month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'YYYY-MM'),
})

const usd = (micros: number) => (micros / 1_000_000).toFixed(6)
const HEADER = [
  'day',
  'feature',
  'model',
  'app_version',
  'requests',
  'prompt_tokens',
  'completion_tokens',
  'cost_usd',
  'cost_per_request_usd',
  'cost_per_1k_tokens_usd',
]

/**
 * GET /api/cost/statement?tenant=&month=YYYY-MM: a tenant's monthly statement
 * for chargeback, streamed as CSV (rows go out as the store produces them),
 * ending with a TOTAL line.
 */
export const GET = route({ role: 'viewer', query, expensive: true }, async ({ query }) => {
  const [y, m] = query.month.split('-').map(Number)
  const rows = tenantStatement(await appStore(), query.tenant, Date.UTC(y, m - 1, 1))
  const total = { requests: 0, prompt: 0, completion: 0, cost: 0 }
  // Names come from gateway events (untrusted): csvStream quotes them and guards formulas.
  async function* lines(): AsyncGenerator<(string | number)[]> {
    for await (const r of rows) {
      const tokens = r.prompt_tokens + r.completion_tokens
      total.requests += r.requests
      total.prompt += r.prompt_tokens
      total.completion += r.completion_tokens
      total.cost += r.cost_micros
      yield [
        r.date,
        r.feature,
        r.model,
        r.app_version,
        r.requests,
        r.prompt_tokens,
        r.completion_tokens,
        usd(r.cost_micros),
        usd(r.requests ? r.cost_micros / r.requests : 0),
        usd(tokens ? (r.cost_micros / tokens) * 1000 : 0),
      ]
    }
  }
  const footer = () => {
    const tokens = total.prompt + total.completion
    return [
      [
        'TOTAL',
        '',
        '',
        '',
        total.requests,
        total.prompt,
        total.completion,
        usd(total.cost),
        usd(total.requests ? total.cost / total.requests : 0),
        usd(tokens ? (total.cost / tokens) * 1000 : 0),
      ],
    ]
  }
  return new Response(csvStream(HEADER, lines(), footer), { headers: csvHeaders(`burnrate-statement-${query.tenant}-${query.month}.csv`) })
})
