import { z } from 'zod'
import { csvDownload, fileStamp } from '@/lib/dashboard/csv-route'
import { POLICY_HISTORY_CSV } from '@/lib/http/csv-policy-tables'
import { changeHistory } from '@/lib/policy/history'
import { controls } from '@/lib/runtime/controls'
import { route } from '@/lib/runtime/route'

export const dynamic = 'force-dynamic'

/** The history route's bound: propagation and spend are computed per change in one pass over the acks. */
const query = z.object({ limit: z.coerce.number().int().min(1).max(500).default(500) })

/**
 * GET /api/policy/history/export?limit → the last `limit` (default and at most 500) policy changes with their
 * propagation as CSV, newest first as the table shows them (the table lists 50).
 */
export const GET = route({ role: 'viewer', query, expensive: true }, async ({ query }) => {
  const { store } = await controls()
  const changes = await changeHistory(store, query.limit)
  return csvDownload(['policy-history', fileStamp(Date.now())], POLICY_HISTORY_CSV, changes)
})
