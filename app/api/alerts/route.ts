import { alertListQuery, alertListResponse } from '@/lib/alerts/api'
import { route } from '@/lib/runtime/route'
import { appStore } from '@/lib/runtime/app-runtime'

/** GET /api/alerts → AlertListResponse. Filters: state, severity, detector (comma lists), tenant, subject (exact), from/to (≤ 31 days), limit ≤ 500, offset, sort. */
export const GET = route({ role: 'viewer', query: alertListQuery }, async ({ query }) => {
  return await alertListResponse(await appStore(), query, Date.now())
})
