import { z } from 'zod'
import type { Store } from '../clickhouse/client'
import { farmMembers } from '../queries/farm-members'
import { farmClustersInWindow } from './emulator-farms'
import { rankingWindow } from './rankings'
import type { DetectionSettings } from './settings'
import { FARM_MEMBER_SORTS, type FarmMembersPage } from './types'
import { offsetLimitFields } from '../paging'
import { epochMs } from '../time-range'

/** `tenant:farm-<10 hex>`, as clusterOf names clusters; the tenant part follows the event contract's tenant pattern. */
export const clusterIdParam = z
  .string()
  .max(100)
  .regex(/^[A-Za-z0-9._:@/+=-]+:farm-[0-9a-f]{10}$/, 'not a farm cluster id')

export const farmMembersQuery = z.object({
  from: epochMs.optional(),
  to: epochMs.optional(),
  ...offsetLimitFields(20, 200),
  sort: z.enum(FARM_MEMBER_SORTS).default('cost_micros'),
  dir: z.enum(['asc', 'desc']).default('desc'),
})
export type FarmMembersQuery = z.infer<typeof farmMembersQuery>

/**
 * One page of a cluster's members over the window the farm ranking used.
 * Membership exists only as the detector's output, so the clusters of the
 * cluster's tenant are recomputed (each tenant is clustered on its own, so
 * this equals the all-tenant run); null when the window has no such cluster.
 */
export async function farmMembersPage(
  store: Store,
  s: DetectionSettings,
  clusterId: string,
  q: FarmMembersQuery,
  now: number,
): Promise<FarmMembersPage | null> {
  const { from, to } = rankingWindow('emulator_farms', s, q, now)
  const tenant = clusterId.slice(0, clusterId.lastIndexOf(':farm-'))
  const found = (await farmClustersInWindow(store, s, to, { tenant, fromMs: from })).find((c) => c.cluster.cluster_id === clusterId)
  if (!found) return null
  const page = { sort: q.sort, dir: q.dir, offset: q.offset, limit: q.limit }
  return {
    cluster_id: clusterId,
    tenant_id: tenant,
    from,
    to,
    total: found.memberIds.length,
    ...page,
    rows: await farmMembers(store, tenant, found.memberIds, page),
  }
}
