import type { Store } from '../clickhouse/client'
import { selectRows } from '../clickhouse/select'
import { readChanges } from './log-store'
import type { PolicyChange } from './types'

export interface ChangeStatus extends PolicyChange {
  /** First gateway ack of this version or later, ms after the change; null = not yet. */
  timeToEnforceMs: number | null
  /** Gateways that acked this version or later / gateways seen acking in the last day. */
  gatewaysAcked: number
  gatewaysKnown: number
  /** The same for enforcer replicas (gateway ids `enforcer-*`, docs/enforcer.md): until the last one seen in the last day acked. */
  timeToEnforceAtEnforcersMs: number | null
  enforcersAcked: number
  enforcersKnown: number
  /** Spend (micro-dollars) from the change's installs between the change and the first ack, and since. */
  spendBeforeEnforceMicros: number
  spendAfterChangeMicros: number
  /** policy_denial events for those installs since the change: their traffic turning into denials. */
  denialsAfterChange: number
}

/**
 * The recent changes with their propagation: when gateways acknowledged them
 * (policy_ack events, from Kafka or the ack endpoint) and how much the
 * installs they target kept spending afterwards.
 */
export async function changeHistory(store: Store, limit = 50): Promise<ChangeStatus[]> {
  const changes = await readChanges(store, { lastVersions: limit })
  if (changes.length === 0) return []
  const acks = await selectRows<{ gateway_id: string; v: string | number; at: string | number }>(
    store,
    `SELECT gateway_id, policy_version AS v, toUnixTimestamp64Milli(min(ts)) AS at FROM ${store.database}.events
      WHERE type = 'policy_ack' AND ts >= now64(3) - INTERVAL 1 DAY GROUP BY gateway_id, policy_version`,
  )
  const gateways = new Set(acks.map((a) => a.gateway_id))
  const enforced = new Map<number, { first: number | null; acked: number }>()
  const isEnforcer = (id: string) => id.startsWith('enforcer-')
  const enforcers = new Set([...gateways].filter(isEnforcer))
  const atEnforcers = new Map<number, { last: number | null; acked: number }>()
  for (const c of changes) {
    const relevant = acks.filter((a) => Number(a.v) >= c.version)
    const first = relevant.length ? Math.min(...relevant.map((a) => Number(a.at))) : null
    enforced.set(c.version, { first, acked: new Set(relevant.map((a) => a.gateway_id)).size })
    // Each enforcer's first ack of this version or later; enforced at the enforcers once every one known has acked.
    const firstBy = new Map<string, number>()
    for (const a of relevant) if (isEnforcer(a.gateway_id)) firstBy.set(a.gateway_id, Math.min(firstBy.get(a.gateway_id) ?? Infinity, Number(a.at)))
    atEnforcers.set(c.version, { last: firstBy.size > 0 && firstBy.size === enforcers.size ? Math.max(...firstBy.values()) : null, acked: firstBy.size })
  }
  const spend = await selectRows<{ v: string | number; before_enforce: string | number; after_change: string | number; denials: string | number }>(
    store,
    `SELECT c.version AS v,
        sumIf(e.cost_micros, e.ts < fromUnixTimestamp64Milli(c.enforced_ms)) AS before_enforce, sum(e.cost_micros) AS after_change,
        countIf(e.type = 'policy_denial') AS denials
      FROM ${store.database}.events AS e
      INNER JOIN (
        SELECT tupleElement(t, 1) AS version, tupleElement(t, 2) AS enforced_ms, tupleElement(t, 3) AS at_ms, arrayJoin(tupleElement(t, 4)) AS install_id
        FROM (SELECT arrayJoin(arrayZip({vs:Array(UInt64)}, {enf:Array(Int64)}, {ats:Array(Int64)}, {ids:Array(Array(String))})) AS t)
      ) AS c ON e.install_id = c.install_id
      WHERE e.type IN ('llm_request', 'stream', 'policy_denial') AND e.ts >= fromUnixTimestamp64Milli(c.at_ms) AND e.ts >= fromUnixTimestamp64Milli({from:Int64})
      GROUP BY c.version`,
    {
      from: changes[0].at,
      vs: changes.map((c) => c.version),
      enf: changes.map((c) => enforced.get(c.version)?.first ?? Date.now()),
      ats: changes.map((c) => c.at),
      ids: changes.map((c) => c.rules.filter((r) => r.scope === 'install').map((r) => r.subject)),
    },
  )
  const spendBy = new Map(spend.map((s) => [Number(s.v), s]))
  return changes.reverse().map((c) => {
    const e = enforced.get(c.version)!
    const s = spendBy.get(c.version)
    const en = atEnforcers.get(c.version)!
    return {
      timeToEnforceAtEnforcersMs: en.last === null ? null : Math.max(0, en.last - c.at),
      enforcersAcked: en.acked,
      enforcersKnown: enforcers.size,
      ...c,
      timeToEnforceMs: e.first === null ? null : Math.max(0, e.first - c.at),
      gatewaysAcked: e.acked,
      gatewaysKnown: gateways.size,
      spendBeforeEnforceMicros: Number(s?.before_enforce ?? 0),
      spendAfterChangeMicros: Number(s?.after_change ?? 0),
      denialsAfterChange: Number(s?.denials ?? 0),
    }
  })
}
