import { incidentExportRows, incidentListQuery } from '@/lib/alerts/incident-api'
import { csvDownload, fileStamp } from '@/lib/dashboard/csv-route'
import { INCIDENTS_CSV } from '@/lib/http/csv-tables'
import { appStore } from '@/lib/runtime/app-runtime'
import { route } from '@/lib/runtime/route'

/**
 * GET /api/incidents/export?state&severity&detector&tenant&from&to&sort → every incident of the list's filters as
 * CSV, in the list's order (offset and limit are ignored), streamed from the store. Titles carry client-sent
 * subjects (install ids): the CSV writer guards formulas.
 */
export const GET = route({ role: 'viewer', query: incidentListQuery, expensive: true }, async ({ query }) => {
  const { fromMs, toMs, rows } = incidentExportRows(await appStore(), query, Date.now())
  const name = ['incidents', query.state?.join('+') || 'all', query.tenant || 'all', fileStamp(fromMs), fileStamp(toMs)]
  return csvDownload(name, INCIDENTS_CSV, rows)
})
