import { csvDownload, fileStamp } from '@/lib/dashboard/csv-route'
import { DEAD_LETTERS_CSV } from '@/lib/http/csv-tables'
import { deadLettersQuery, deadLettersWindow } from '@/lib/http/route-queries'
import { deadLetterRows } from '@/lib/queries/dead-letter-samples'
import { appStore } from '@/lib/runtime/app-runtime'
import { route } from '@/lib/runtime/route'

/**
 * GET /api/ingest/dead-letters/export?range&reason&dir → every dead letter of the window (of the reason, if one is
 * picked) as CSV, in the table's order, streamed from the store. Payload samples and errors hold client-sent bytes:
 * the CSV writer quotes them and guards formulas.
 */
export const GET = route({ role: 'viewer', query: deadLettersQuery, expensive: true }, async ({ query }) => {
  const window = deadLettersWindow(query)
  const rows = deadLetterRows(await appStore(), window, query.reason, query.dir)
  return csvDownload(['dead-letters', query.reason || 'all', fileStamp(window.fromMs), fileStamp(window.toMs)], DEAD_LETTERS_CSV, rows)
})
