import { loadConfig } from '@/lib/config'
import { clusterIdParam, farmMembersPage, farmMembersQuery } from '@/lib/detection/farm-members'
import { detectionSettings } from '@/lib/detection/settings'
import { chargeExpensiveRead } from '@/lib/http/expensive-reads'
import { HttpError, route } from '@/lib/runtime/route'
import { appStore } from '@/lib/runtime/app-runtime'

/**
 * GET /api/detectors/emulator_farms/[clusterId]/members?from&to&sort&dir&offset&limit
 * → FarmMembersPage: every member of a cluster (not just the 500 the ranking
 * carries), sorted and paged in SQL. Other detectors have no members: 404.
 */
export const GET = route({ role: 'viewer', query: farmMembersQuery }, async ({ principal, params, query }) => {
  if (params.name !== 'emulator_farms') throw new HttpError(404, 'only emulator_farms clusters have members')
  const id = clusterIdParam.safeParse(params.clusterId)
  if (!id.success) throw new HttpError(400, 'clusterId is not a farm cluster id (tenant:farm-<hex>)')
  // Finding the cluster recomputes the farm detector over the window, as a ranking does (issue 18, F11).
  chargeExpensiveRead(principal)
  const page = await farmMembersPage(await appStore(), detectionSettings(loadConfig()), id.data, query, Date.now())
  if (!page) throw new HttpError(404, `no cluster ${id.data} in this window`)
  return page
})
