import { csvDownload, fileStamp } from '@/lib/dashboard/csv-route'
import { INSTALL_EVENTS_CSV } from '@/lib/http/csv-tables'
import { installEventsQuery, installOfPath } from '@/lib/http/route-queries'
import { installEventRows } from '@/lib/queries/install-events'
import { appStore } from '@/lib/runtime/app-runtime'
import { route } from '@/lib/runtime/route'

/**
 * GET /api/installs/[id]/events/export?range&type&dir → every event of the install in the window (of the type) as
 * CSV, in the table's order, streamed from the raw table on its (tenant_id, install_id) key.
 */
export const GET = route({ role: 'viewer', query: installEventsQuery, expensive: true }, async ({ query, params }) => {
  const store = await appStore()
  const { installId, tenantId } = await installOfPath(store, params.id, query.tenant)
  const rows = installEventRows(store, query.window, tenantId, installId, query.type, query.dir)
  return csvDownload(['install-events', installId, query.type, fileStamp(query.window.fromMs), fileStamp(query.window.toMs)], INSTALL_EVENTS_CSV, rows)
})
