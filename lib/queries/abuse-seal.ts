import type { Store } from '../clickhouse/client'
import { selectRows, table } from './sql'

const HOUR_S = 3600
/** Hours this recent are sealed again on every check: late events may still land in them. */
const RESEAL_S = 2 * HOUR_S
const CHECK_EVERY_MS = 60_000

export const ABUSE_STATUSES = ['clean', 'failed', 'revoked', 'failed_revoked'] as const

let lastCheck = { key: '', at: 0 }

/**
 * Seals whole hours into abuse_hour: each install's spend in the hour, split
 * by the status the install has now (attestations mostly rejected over its
 * life, revoked, both, or clean), with a uniqCombined(14) sketch of the installs (migration 0063; empty for
 * clean rows: only failed and revoked installs are counted, migration 0061). Every status
 * row of an hour is rewritten, so a second seal replaces the first. Returns
 * the end of the sealed hours (epoch s): whole hours before it are in
 * abuse_hour, and whole days of them in abuse_day. Checked at most once a minute per store and hour.
 */
export async function sealAbuseHours(store: Store, nowMs = Date.now(), retentionDays = 92): Promise<number> {
  const current = Math.floor(nowMs / 1000 / HOUR_S) * HOUR_S
  const key = `${store.database}:${current}`
  if (lastCheck.key === key && nowMs - lastCheck.at < CHECK_EVERY_MS) return current
  const hours = (
    await selectRows<{ hour: number }>(
      store,
      `
    SELECT DISTINCT toUnixTimestamp(hour) AS hour FROM ${table(store, 'install_hour')}
    WHERE hour < toDateTime({current:UInt32}, 'UTC') AND hour >= toDateTime({min:UInt32}, 'UTC')
      AND (hour >= toDateTime({reseal:UInt32}, 'UTC') OR hour NOT IN (SELECT DISTINCT hour FROM ${table(store, 'abuse_hour')}))`,
      { current, min: current - retentionDays * 86_400, reseal: current - RESEAL_S },
    )
  ).map((r) => Number(r.hour))
  if (hours.length > 0) {
    await store.client.command({
      query: `
        INSERT INTO ${table(store, 'abuse_hour')} (hour, tenant_id, status, cost_micros, install_sketch, sealed_at)
        WITH
          failed_ids AS (
            SELECT install_id FROM ${table(store, 'install_profile')} GROUP BY tenant_id, install_id
            HAVING sum(attest_rejected) > 0 AND sum(attest_rejected) >= sum(attest_accepted)),
          revoked_ids AS (SELECT install_id FROM ${table(store, 'revoked_install')})
        SELECT hour, tenant_id, status, sumIf(cost, st = status),
          uniqCombinedStateIf(14)(install_id, st = status AND cost > 0 AND status != 'clean'), now64(3)
        FROM (
          SELECT hour, tenant_id, install_id, sum(cost_micros) AS cost,
            install_id IN failed_ids AS f, install_id IN revoked_ids AS r,
            multiIf(f AND r, 'failed_revoked', f, 'failed', r, 'revoked', 'clean') AS st
          FROM ${table(store, 'install_hour')}
          WHERE hour IN (SELECT toDateTime(arrayJoin({hours:Array(UInt32)}), 'UTC'))
          GROUP BY hour, tenant_id, install_id
        )
        ARRAY JOIN [${ABUSE_STATUSES.map((s) => `'${s}'`).join(', ')}] AS status
        GROUP BY hour, tenant_id, status`,
      query_params: { hours },
    })
    // Each day an hour was sealed in is rebuilt from all of its sealed hours (migration 0062).
    await store.client.command({
      query: `
        INSERT INTO ${table(store, 'abuse_day')} (day, tenant_id, status, cost_micros, install_sketch, sealed_at)
        SELECT toDate(hour) AS day, tenant_id, status, sum(cost_micros), uniqCombinedMergeState(14)(install_sketch), now64(3)
        FROM ${table(store, 'abuse_hour')} FINAL
        WHERE toDate(hour) IN (SELECT DISTINCT toDate(toDateTime(arrayJoin({hours:Array(UInt32)}), 'UTC')))
        GROUP BY day, tenant_id, status`,
      query_params: { hours },
    })
  }
  lastCheck = { key, at: nowMs }
  return current
}
