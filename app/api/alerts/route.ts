import { alertListQuery, alertListResponse, RangeError400 } from '@/lib/alerts/api'
import { HttpError, route } from '@/lib/runtime/route'
import { appStore } from '@/lib/runtime/app-runtime'

/** GET /api/alerts → AlertListResponse. Filters: state, severity, detector (comma lists), tenant, subject (exact), from/to (≤ 31 days), limit ≤ 500, offset, sort. */
export const GET = route({ role: 'viewer', query: alertListQuery }, async ({ query }) => {
  try {
    return await alertListResponse(await appStore(), query, Date.now())
  } catch (err) {
    if (err instanceof RangeError400) throw new HttpError(400, err.message)
    throw err
  }
})
