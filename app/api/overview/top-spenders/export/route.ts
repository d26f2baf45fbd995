import { z } from 'zod'
import { csvDownload, fileStamp, usdCell, type CsvTable } from '@/lib/dashboard/csv-route'
import { rangeQuery } from '@/lib/dashboard/params'
import type { SpenderRow } from '@/lib/dashboard/types'
import { SPENDER_SORTS, topSpenderRows } from '@/lib/queries/top-spenders'
import { appStore } from '@/lib/runtime/app-runtime'
import { route } from '@/lib/runtime/route'

const query = rangeQuery({
  sort: z.enum(SPENDER_SORTS).default('cost_micros'),
  dir: z.enum(['asc', 'desc']).default('desc'),
})

const CSV: CsvTable<SpenderRow> = {
  header: ['tenant', 'install_id', 'cost_usd', 'requests', 'tokens', 'streams', 'max_context_tokens', 'attestations_rejected', 'policy_denials'],
  line: (r) => [r.tenant_id, r.install_id, usdCell(r.cost_micros), r.requests, r.tokens, r.streams, r.max_context_tokens, r.attest_rejected, r.policy_denials],
}

/**
 * GET /api/overview/top-spenders/export?range&tenant&sort&dir → every install of the window as CSV, in the table's
 * order, streamed from the store. Install ids are client-sent text: the CSV writer guards them against formulas.
 */
export const GET = route({ role: 'viewer', query, expensive: true }, async ({ query }) => {
  const rows = topSpenderRows(await appStore(), query.window, query.sort, query.dir)
  return csvDownload(['top-spenders', query.tenant || 'all', fileStamp(query.window.fromMs), fileStamp(query.window.toMs)], CSV, rows)
})
