import { RangeError400 } from '@/lib/alerts/api'
import { incidentListQuery, incidentListResponse } from '@/lib/alerts/incident-api'
import { HttpError, route } from '@/lib/runtime/route'
import { appStore } from '@/lib/runtime/app-runtime'

/** GET /api/incidents → IncidentListResponse: incidents with their alerts (no evidence). Filters: state, severity, detector (comma lists), tenant, from/to (≤ 31 days), limit ≤ 200, offset, sort. */
export const GET = route({ role: 'viewer', query: incidentListQuery }, async ({ query }) => {
  try {
    return await incidentListResponse(await appStore(), query, Date.now())
  } catch (err) {
    if (err instanceof RangeError400) throw new HttpError(400, err.message)
    throw err
  }
})
