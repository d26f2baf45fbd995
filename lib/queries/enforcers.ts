import type { Store } from '../clickhouse/client'
import { selectRows, table } from './sql'

export interface EnforcerSeen {
  replica: string
  /** Newest policy version the replica acknowledged holding. */
  version: number
  lastSeenMs: number
  firstSeenMs: number
}

/**
 * Enforcer replicas (npm run enforcer) seen in the last day: they send a
 * policy_ack as gateway `enforcer-<replica>` for each version they apply and
 * every 30 s for the version they hold, so the newest ack is both the
 * version held and when the replica was last heard from.
 */
export async function enforcersSeen(store: Store): Promise<EnforcerSeen[]> {
  const rows = await selectRows<{ gateway_id: string; v: string | number; last_ms: string | number; first_ms: string | number }>(
    store,
    `
    SELECT gateway_id, max(policy_version) AS v, toUnixTimestamp64Milli(max(ts)) AS last_ms, toUnixTimestamp64Milli(min(ts)) AS first_ms
    FROM ${table(store, 'events')}
    WHERE type = 'policy_ack' AND startsWith(gateway_id, 'enforcer-') AND ts >= now64(3) - INTERVAL 1 DAY
    GROUP BY gateway_id
    ORDER BY gateway_id`,
  )
  return rows.map((r) => ({
    replica: r.gateway_id.slice('enforcer-'.length),
    version: Number(r.v),
    lastSeenMs: Number(r.last_ms),
    firstSeenMs: Number(r.first_ms),
  }))
}
