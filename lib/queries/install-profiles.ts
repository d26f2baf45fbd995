import type { Store } from '../clickhouse/client'
import type { InstallProfile } from '../dashboard/types'
import { selectRows, table } from './sql'

/** An install_profile row merged per install, as InstallProfile; callers GROUP BY tenant_id, install_id. */
export const PROFILE_COLUMNS = `tenant_id, install_id,
      toUnixTimestamp64Milli(min(first_seen)) AS first_seen, toUnixTimestamp64Milli(max(last_seen)) AS last_seen,
      anyLast(app_id) AS app_id, anyLast(app_version) AS app_version, anyLast(platform) AS platform,
      anyLast(device_model) AS device_model, anyLast(os_version) AS os_version,
      anyLast(device_fingerprint) AS device_fingerprint, anyLast(ip_prefix) AS ip_prefix,
      anyLast(asn) AS asn, anyLast(country) AS country,
      sum(events) AS events, sum(cost_micros) AS cost_micros,
      sum(attest_accepted) AS attest_accepted, sum(attest_rejected) AS attest_rejected,
      sum(emulator_rejections) AS emulator_rejections, sum(hooking_rejections) AS hooking_rejections`

/**
 * Traits and lifetime counters of the given installs, from install_profile
 * (one row per install after merge; the GROUP BY finishes merges not yet
 * done in the background).
 */
export async function installProfiles(store: Store, installIds: string[], tenant = ''): Promise<InstallProfile[]> {
  if (installIds.length === 0) return []
  return selectRows<InstallProfile>(
    store,
    `
    SELECT ${PROFILE_COLUMNS}
    FROM ${table(store, 'install_profile')}
    WHERE install_id IN {ids:Array(String)} AND ({tenant:String} = '' OR tenant_id = {tenant:String})
    GROUP BY tenant_id, install_id
    ORDER BY first_seen`,
    { ids: installIds, tenant },
  )
}
