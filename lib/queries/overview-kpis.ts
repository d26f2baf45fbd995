import type { Store } from '../clickhouse/client'
import type { OverviewKpis } from '../dashboard/types'
import { rangeSqlParams, rangeWhere, type ResolvedRange } from '../time-range'
import { selectRows, table } from './sql'
import { installsBy } from './install-sketch'
import { tierParams, usageTiers } from './usage-tiers'

interface Row {
  spend: number
  n_requests: number
  n_streams: number
  n_prompt_tokens: number
  n_completion_tokens: number
  n_installs: number
  accepted: number
  rejected: number
  total_stream_ms: number
  denials: number
  errors: number
  last_t: number
  last_spend: number
  last_requests: number
  last_tokens: number
}

/**
 * The whole hours inside the window's minutes, as epoch seconds [from, to).
 * The window holds the minutes m with from <= m < to; an hour counts only if
 * all of its minutes do. None: from = to, which excludes no minute.
 */
export function wholeHours(range: Pick<ResolvedRange, 'fromMs' | 'toMs'>): { hourFrom: number; hourTo: number } {
  const endS = Math.ceil(range.toMs / 60_000) * 60
  const hourFrom = Math.ceil(range.fromMs / 3_600_000) * 3600
  const hourTo = Math.floor(endS / 3600) * 3600
  return hourFrom < hourTo ? { hourFrom, hourTo } : { hourFrom: endS, hourTo: endS }
}

/** The window's sums: usage_minute columns, from the usage tiers. */
const SUMS = {
  spend: 'cost_micros',
  n_requests: 'requests',
  n_streams: 'streams',
  n_prompt_tokens: 'prompt_tokens',
  n_completion_tokens: 'completion_tokens',
  accepted: 'attest_accepted',
  rejected: 'attest_rejected',
  total_stream_ms: 'stream_ms',
  denials: 'policy_denials',
  errors: 'upstream_errors',
} as const
/** The last minute's figures, from usage_minute. */
const LAST = { last_spend: 'cost_micros', last_requests: 'requests', last_tokens: 'prompt_tokens + completion_tokens' } as const
const OUTPUTS = [...Object.keys(SUMS), 'n_installs', ...Object.keys(LAST)]

/** One branch of the union: the given outputs as UInt64, every other one 0. */
const branch = (given: Record<string, string>) => OUTPUTS.map((name) => `toUInt64(${given[name] ?? '0'}) AS ${name}`).join(', ')

/**
 * Headline numbers of the window, from the usage rollups (whole days, whole
 * hours, edge minutes: usage-tiers.ts). Active installs merge the tenant-total
 * install sketches of the same tiers (install-sketch.ts: a 30-day window merges
 * ~30 day sketches per tenant, not one large uniq state per hour or group).
 * The sums, the install sketches and the last minute are three branches of one
 * UNION ALL, so the engine reads them at once; as scalar subqueries they ran
 * one after the other (each ~20–25 ms at 7 days of 100M events).
 */
export async function overviewKpis(store: Store, range: ResolvedRange): Promise<OverviewKpis> {
  // "Right now" = the last minute that has fully elapsed, or the window's last minute if it is in the past.
  const lastMinute = Math.min(Math.floor(Date.now() / 60_000) - 1, Math.floor(range.toMs / 60_000) - 1) * 60
  const [r] = await selectRows<Row>(
    store,
    `
    SELECT ${OUTPUTS.map((name) => `sum(${name}) AS ${name}`).join(', ')}, {last:UInt32} * 1000 AS last_t
    FROM (
      SELECT ${branch(SUMS)} FROM (${usageTiers(store, Object.values(SUMS))})
      UNION ALL
      SELECT ${branch({ n_installs: 'installs' })} FROM (${installsBy(store, null, { tenant: range.tenant })})
      UNION ALL
      SELECT ${branch(LAST)} FROM ${table(store, 'usage_minute')}
      WHERE minute = toDateTime({last:UInt32}, 'UTC') AND ({tenant:String} = '' OR tenant_id = {tenant:String})
    )`,
    // One set of tier bounds for the sums and the install sketches: the sketches also cut whole quarter-hours.
    { ...rangeSqlParams(range), ...tierParams(range), last: lastMinute },
  )
  const attestations = r.accepted + r.rejected
  return {
    from: range.fromMs,
    to: range.toMs,
    stepS: range.stepS,
    spendMicros: r.spend,
    requests: r.n_requests,
    streams: r.n_streams,
    promptTokens: r.n_prompt_tokens,
    completionTokens: r.n_completion_tokens,
    activeInstalls: r.n_installs,
    attestAccepted: r.accepted,
    attestRejected: r.rejected,
    rejectionRate: attestations > 0 ? r.rejected / attestations : 0,
    avgConcurrentStreams: r.total_stream_ms / (range.toMs - range.fromMs),
    policyDenials: r.denials,
    upstreamErrors: r.errors,
    lastMinute: { t: r.last_t, spendMicros: r.last_spend, requests: r.last_requests, tokens: r.last_tokens },
  }
}
