import { z } from 'zod'
import { toCsv } from '@/lib/dashboard/csv'
import { route } from '@/lib/runtime/route'
import { tenantStatement } from '@/lib/queries/tenant-statement'
import { appStore } from '@/lib/runtime/app-runtime'
import { rangeParams } from '@/lib/time-range'

const query = z.object({
  tenant: rangeParams.tenant.refine((t) => t !== '', 'pick a tenant'),
  month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'YYYY-MM'),
})

const usd = (micros: number) => (micros / 1_000_000).toFixed(6)
/** One CSV line with the dashboard's CSV quoting and formula guard (names come from gateway events: untrusted). */
const line = (cells: (string | number)[]) => toCsv(cells as string[], [])
const HEADER = ['day', 'feature', 'model', 'app_version', 'requests', 'prompt_tokens', 'completion_tokens', 'cost_usd', 'cost_per_request_usd', 'cost_per_1k_tokens_usd']

/**
 * GET /api/cost/statement?tenant=&month=YYYY-MM: a tenant's monthly statement
 * for chargeback, streamed as CSV (rows go out as the store produces them),
 * ending with a TOTAL line.
 */
export const GET = route({ role: 'viewer', query }, async ({ query }) => {
  const [y, m] = query.month.split('-').map(Number)
  const rows = tenantStatement(await appStore(), query.tenant, Date.UTC(y, m - 1, 1))
  const enc = new TextEncoder()
  const total = { requests: 0, prompt: 0, completion: 0, cost: 0 }
  const body = new ReadableStream<Uint8Array>({
    start(c) { c.enqueue(enc.encode(line(HEADER))) },
    async pull(c) {
      const next = await rows.next()
      if (next.done) {
        const tokens = total.prompt + total.completion
        c.enqueue(enc.encode(line(['TOTAL', '', '', '', total.requests, total.prompt, total.completion, usd(total.cost),
          usd(total.requests ? total.cost / total.requests : 0), usd(tokens ? (total.cost / tokens) * 1000 : 0)])))
        c.close()
        return
      }
      const r = next.value
      const tokens = r.prompt_tokens + r.completion_tokens
      total.requests += r.requests; total.prompt += r.prompt_tokens; total.completion += r.completion_tokens; total.cost += r.cost_micros
      c.enqueue(enc.encode(line([r.date, r.feature, r.model, r.app_version, r.requests, r.prompt_tokens, r.completion_tokens, usd(r.cost_micros),
        usd(r.requests ? r.cost_micros / r.requests : 0), usd(tokens ? (r.cost_micros / tokens) * 1000 : 0)])))
    },
    async cancel() { await rows.return(undefined) },
  })
  return new Response(body, {
    headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="burnrate-statement-${query.tenant}-${query.month}.csv"`, 'cache-control': 'no-store' },
  })
})
