import type { Store } from '../clickhouse/client'
import { selectRows } from '../clickhouse/select'
import type { ChangeRequest } from './types'

export interface BlastRadius {
  lookbackHours: number
  /** Distinct subjects the change names (installs for a farm). */
  subjects: number
  /** Installs with traffic in the window that the change covers. */
  installsSeen: number
  /** Of those, installs with at least one call it would have denied or cut. */
  installsHit: number
  requestsPerHour: number
  requestsHitPerHour: number
  spendPerHourMicros: number
  spendHitPerHourMicros: number
}

const NO_LIMIT = '18446744073709551615'

/**
 * Dry run: replays the last hours of calls from the covered subjects against
 * the proposed controls. A call counts as hit when a revocation would block
 * it, its context or output exceeds a cap, or the install's running token or
 * spend total within its minute/day (within the window) is over a quota.
 * Concurrency caps are not replayed (calls do not record overlap).
 */
export async function blastRadius(store: Store, req: ChangeRequest, lookbackHours = 1): Promise<BlastRadius> {
  const c = req.controls
  const deg = req.action === 'degrade' ? c.degrade : undefined
  const revoke = req.action === 'revoke'
  const lim = (v: number | undefined) => (v === undefined ? NO_LIMIT : String(v))
  const filter = {
    global: '1',
    tenant: 'tenant_id IN {subjects:Array(String)}',
    feature: `concat(tenant_id, '/', feature) IN {subjects:Array(String)}`,
    install: 'install_id IN {subjects:Array(String)}',
  }[req.scope]
  const riskyOnly = deg?.riskyOnly
    ? `AND install_id IN (SELECT install_id FROM ${store.database}.events WHERE type = 'attestation' AND verdict = 'rejected' AND ts >= now64(3) - INTERVAL {h:UInt32} HOUR)`
    : ''
  const query = `
    SELECT uniqExact(install_id) AS seen, uniqExactIf(install_id, hit) AS hit_installs, count() AS requests,
      countIf(hit) AS hit_requests, sum(cost_micros) AS spend, sumIf(cost_micros, hit) AS hit_spend
    FROM (
      SELECT install_id, cost_micros,
        {revoke:UInt8} = 1 OR context_tokens > {maxCtx:UInt64} OR completion_tokens > {maxOut:UInt64}
          OR minute_tokens > {tpm:UInt64} OR day_tokens > {tpd:UInt64} OR day_spend - cost_micros >= {spd:UInt64} AS hit
      FROM (
        SELECT install_id, cost_micros, context_tokens, completion_tokens,
          sum(prompt_tokens + completion_tokens) OVER (PARTITION BY install_id, toStartOfMinute(ts) ORDER BY ts, event_id ROWS UNBOUNDED PRECEDING) AS minute_tokens,
          sum(prompt_tokens + completion_tokens) OVER (PARTITION BY install_id, toDate(ts) ORDER BY ts, event_id ROWS UNBOUNDED PRECEDING) AS day_tokens,
          sum(cost_micros) OVER (PARTITION BY install_id, toDate(ts) ORDER BY ts, event_id ROWS UNBOUNDED PRECEDING) AS day_spend
        FROM ${store.database}.events
        WHERE type IN ('llm_request', 'stream') AND ts >= now64(3) - INTERVAL {h:UInt32} HOUR AND ${filter} ${riskyOnly}
      )
    )`
  const [r] = await selectRows<Record<string, string | number>>(store, query, {
    subjects: req.subjects,
    h: lookbackHours,
    revoke: revoke ? 1 : 0,
    maxCtx: lim(minDefined(c.maxContextTokens, deg?.maxContextTokens)),
    maxOut: lim(minDefined(c.maxOutputTokens, deg?.maxOutputTokens)),
    tpm: lim(c.tokensPerMinute),
    tpd: lim(c.tokensPerDay),
    spd: lim(c.spendPerDayMicros),
  })
  const per = (v: string | number | undefined) => Math.round(Number(v ?? 0) / lookbackHours)
  return {
    lookbackHours,
    subjects: new Set(req.subjects).size,
    installsSeen: Number(r?.seen ?? 0),
    installsHit: req.action === 'clear' ? 0 : Number(r?.hit_installs ?? 0),
    requestsPerHour: per(r?.requests),
    requestsHitPerHour: req.action === 'clear' ? 0 : per(r?.hit_requests),
    spendPerHourMicros: per(r?.spend),
    spendHitPerHourMicros: req.action === 'clear' ? 0 : per(r?.hit_spend),
  }
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b
  if (b === undefined) return a
  return Math.min(a, b)
}
