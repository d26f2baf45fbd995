import { incidentListQuery, incidentListResponse } from '@/lib/alerts/incident-api'
import { route } from '@/lib/runtime/route'
import { appStore } from '@/lib/runtime/app-runtime'

/** GET /api/incidents → IncidentListResponse: incidents with their alerts (no evidence). Filters: state, severity, detector (comma lists), tenant, from/to (≤ 31 days), limit ≤ 200, offset, sort. */
export const GET = route({ role: 'viewer', query: incidentListQuery }, async ({ query }) => {
  return await incidentListResponse(await appStore(), query, Date.now())
})
