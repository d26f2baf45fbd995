import { loadConfig } from '@/lib/config'
import { csvDownload, fileStamp } from '@/lib/dashboard/csv-route'
import { FARM_MEMBERS_CSV } from '@/lib/http/csv-tables'
import { clusterIdParam, farmMembersQuery } from '@/lib/detection/farm-members'
import { farmClustersInWindow } from '@/lib/detection/emulator-farms'
import { rankingWindow } from '@/lib/detection/rankings'
import { detectionSettings } from '@/lib/detection/settings'
import { chargeExpensiveRead } from '@/lib/http/expensive-reads'
import { farmMemberRows } from '@/lib/queries/farm-members'
import { appStore } from '@/lib/runtime/app-runtime'
import { HttpError, route } from '@/lib/runtime/route'

/**
 * GET /api/detectors/emulator_farms/[clusterId]/members/export?from&to&sort&dir → every member of the cluster as
 * CSV, in the table's order. Membership is the detector's output (ids in memory, as for the page); the profiles are
 * streamed from install_profile. Device labels and app versions are client-sent: the CSV writer guards formulas.
 */
export const GET = route({ role: 'viewer', query: farmMembersQuery }, async ({ principal, params, query }) => {
  if (params.name !== 'emulator_farms') throw new HttpError(404, 'only emulator_farms clusters have members')
  const id = clusterIdParam.safeParse(params.clusterId)
  if (!id.success) throw new HttpError(400, 'clusterId is not a farm cluster id (tenant:farm-<hex>)')
  // Finding the cluster recomputes the farm detector over the window, as the members page does (issue 18, F11).
  chargeExpensiveRead(principal)
  const store = await appStore()
  const s = detectionSettings(loadConfig())
  const { from, to } = rankingWindow('emulator_farms', s, query, Date.now())
  const tenant = id.data.slice(0, id.data.lastIndexOf(':farm-'))
  const found = (await farmClustersInWindow(store, s, to, { tenant, fromMs: from })).find((c) => c.cluster.cluster_id === id.data)
  if (!found) throw new HttpError(404, `no cluster ${id.data} in this window`)
  const rows = farmMemberRows(store, tenant, found.memberIds, query.sort, query.dir)
  return csvDownload(['farm-members', id.data, fileStamp(from), fileStamp(to)], FARM_MEMBERS_CSV, rows)
})
