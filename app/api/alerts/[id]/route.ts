import { alertDetailResponse, alertIdParam } from '@/lib/alerts/api'
import { HttpError, route } from '@/lib/runtime/route'
import { appStore } from '@/lib/runtime/app-runtime'

/** GET /api/alerts/[id] → AlertDetailResponse: the alert with its evidence and every transition. */
export const GET = route({ role: 'viewer' }, async ({ params }) => {
  const id = alertIdParam.safeParse(params.id)
  if (!id.success) throw new HttpError(400, 'invalid alert id')
  const detail = await alertDetailResponse(await appStore(), id.data)
  if (!detail) throw new HttpError(404, 'alert not found')
  return detail
})
