import { incidentDetailResponse, incidentIdParam } from '@/lib/alerts/incident-api'
import { HttpError, route } from '@/lib/runtime/route'
import { appStore } from '@/lib/runtime/app-runtime'

/** GET /api/incidents/[id] → IncidentDetailResponse: the incident, its alerts with evidence, and both histories. */
export const GET = route({ role: 'viewer' }, async ({ params }) => {
  const id = incidentIdParam.safeParse(params.id)
  if (!id.success) throw new HttpError(400, 'invalid incident id')
  const detail = await incidentDetailResponse(await appStore(), id.data)
  if (!detail) throw new HttpError(404, 'incident not found')
  return detail
})
