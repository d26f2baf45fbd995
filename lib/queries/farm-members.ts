import type { Store } from '../clickhouse/client'
import type { FarmMemberSort, InstallProfile } from '../install-types'
import type { SortDir } from '../paging'
import { PROFILE_COLUMNS } from './install-profiles'
import { selectRows, streamRows, table } from './sql'

/** ORDER BY per whitelisted sort: the request's value picks a key here and is never put into SQL itself. */
const ORDER_BY: Record<FarmMemberSort, string> = {
  cost_micros: 'cost_micros',
  first_seen: 'first_seen',
  last_seen: 'last_seen',
  attest_rejected: 'attest_rejected',
  events: 'events',
  install_id: 'install_id',
}

/** The table's columns and order; the page adds its limit, the export reads it whole. */
function membersSql(store: Store, sort: FarmMemberSort, dir: SortDir): string {
  return `
    SELECT ${PROFILE_COLUMNS}
    FROM ${table(store, 'install_profile')}
    WHERE tenant_id = {tenant:String} AND install_id IN {ids:Array(String)}
    GROUP BY tenant_id, install_id
    ORDER BY ${ORDER_BY[sort]} ${dir === 'asc' ? 'ASC' : 'DESC'}, install_id ASC`
}

/**
 * One page of a farm cluster's members (their profiles from install_profile),
 * ordered in SQL. The ids come from the detector: membership is computed in
 * code, so the total is the length of that list, not a count here.
 */
export async function farmMembers(
  store: Store,
  tenant: string,
  installIds: string[],
  page: { sort: FarmMemberSort; dir: SortDir; offset: number; limit: number },
): Promise<InstallProfile[]> {
  if (installIds.length === 0) return []
  return selectRows<InstallProfile>(
    store,
    `${membersSql(store, page.sort, page.dir)}
    LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
    { tenant, ids: installIds, limit: page.limit, offset: page.offset },
  )
}

/** Every member's profile in the table's order, streamed (the CSV export: no page). */
export async function* farmMemberRows(store: Store, tenant: string, installIds: string[], sort: FarmMemberSort, dir: SortDir): AsyncGenerator<InstallProfile> {
  if (installIds.length === 0) return
  yield* streamRows<InstallProfile>(store, membersSql(store, sort, dir), { tenant, ids: installIds })
}
