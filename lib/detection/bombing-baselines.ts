import type { Store } from '../clickhouse/client'
import { selectRows } from '../clickhouse/select'
import { KeptStates } from './kept-states'
import { num, toSec } from './query'
import { contextBaselineSql } from './sql/context-baseline'

/**
 * The per-request baseline of a feature's context size for the sequential
 * (CUSUM) test of prompt bombing (bombing-sequential.ts): centre and spread
 * on the log scale over the previous hours, shrunk for quiet features, and
 * the rebasings (a release that moved its version's median, a launch that
 * moved the whole feature: bombing-launch.ts).
 */
export const MIN_REQUEST_SIGMA = 0.3
export const PRIOR_REQUESTS = 50
export const MIN_FEATURE_REQUESTS = 20
export const BASELINE_HOURS = 6

export interface ContextBaseline {
  mu: number
  sigma: number
  requests: number
  median: number
  /** 'current': the feature's level now, after every user's requests moved (a launch: bombing-launch.ts); 'own': the install's own past (bombing-own.ts). */
  source: 'feature' | 'shrunk' | 'version' | 'current' | 'own'
}

/**
 * A release that re-sends history moves the typical request of every install
 * on it: its median request in the window is VERSION_SHIFT_RATIO or more above
 * the feature's baseline. Each of its installs then looks like a moderate
 * bomber against the feature. Installs on such a version are judged against
 * the version's own median instead (the cost detector's release check owns
 * the shift itself); a bomber on it still stands out from its peers.
 */
export const VERSION_SHIFT_RATIO = 1.5
/**
 * A version is a release only when it reached this many installs in the window. A release that re-sends history
 * moves every install that took it, and a release is taken by many (the tenant's users upgrading); a version only a
 * handful of installs send from is their own build (red team round 5: 6 new installs of a repackaged "4.13.0-mod"
 * bombing at 2.5x were each judged against their own build's median, and their CUSUMs dropped as "the version
 * changed", recall 0.00). Those installs are judged against the feature, as any other. The price: in a tenant so
 * small that a moving release reaches fewer installs in half an hour, they read as bombers beside the cost alert.
 */
export const RELEASE_MIN_INSTALLS = 10

export function rebased(b: ContextBaseline, versionMedian: number | undefined): ContextBaseline {
  if (versionMedian === undefined || !(versionMedian >= VERSION_SHIFT_RATIO * b.median)) return b
  return { ...b, mu: Math.log(versionMedian), median: versionMedian, source: 'version' }
}

interface QuantileRow {
  tenant_id: string
  feature: string
  requests: number
  q: number[]
}

/** σ of ln(context) from the median and upper quantiles, the heavier tail estimate winning. */
function sigmaOf(q: number[]): number {
  const [p50, p90, p99] = q.map((v) => Math.log(Math.max(1, v)))
  return Math.max(MIN_REQUEST_SIGMA, (p90 - p50) / 1.2816, (p99 - p50) / 2.3263)
}

/**
 * Per-feature baselines with empirical-Bayes shrinkage of the spread: a
 * feature with n requests of history gets σ² = (n·σf² + n0·σt²)/(n + n0) plus
 * the sampling variance of its median (≈1.57σ²/n), n0 = PRIOR_REQUESTS, so a
 * quiet feature whose few requests happen to be alike is not judged on a
 * spread it has not shown. Under MIN_FEATURE_REQUESTS (a new feature) it is
 * not scored: its median would be a guess.
 */
export function contextBaselines(rows: QuantileRow[]): Map<string, ContextBaseline> {
  const tenants = new Map<string, QuantileRow>()
  for (const r of rows) if (r.feature === '') tenants.set(r.tenant_id, r)
  const out = new Map<string, ContextBaseline>()
  for (const r of rows) {
    if (r.feature === '') continue
    const t = tenants.get(r.tenant_id)
    const sigmaT = t ? Math.max(sigmaOf(t.q), sigmaOf(r.q)) : sigmaOf(r.q)
    if (r.requests >= MIN_FEATURE_REQUESTS) {
      const sf = sigmaOf(r.q)
      const s2 = (r.requests * sf * sf + PRIOR_REQUESTS * sigmaT * sigmaT) / (r.requests + PRIOR_REQUESTS)
      const sigma = Math.sqrt(s2 * (1 + 1.57 / r.requests))
      out.set(`${r.tenant_id}\u0000${r.feature}`, {
        mu: Math.log(Math.max(1, r.q[0])),
        sigma,
        requests: r.requests,
        median: r.q[0],
        source: r.requests >= 10 * PRIOR_REQUESTS ? 'feature' : 'shrunk',
      })
    }
    // Under MIN_FEATURE_REQUESTS of history (a new feature) there is no baseline: a feature's sizes are its own
    // (a batch report sends 20x what chat does), so the tenant's distribution is no stand-in for its median.
  }
  return out
}

/**
 * The 6-hour baselines end on a BASELINE_STEP boundary 30-35 minutes before
 * `now`, so between two boundaries they are the same and are computed once
 * (the t-digest merge over 6 hours is the costliest read of the test); with
 * `incremental` false they are recomputed, to the same values.
 */
export const BASELINE_STEP_MS = 5 * 60_000
const baselineCache = new KeptStates<{ end: number; baselines: Map<string, ContextBaseline> }>()

export async function readBaselines(store: Store, from: number, tenant: string, incremental: boolean): Promise<Map<string, ContextBaseline>> {
  const end = Math.floor(from / BASELINE_STEP_MS) * BASELINE_STEP_MS
  const key = `${store.database}\u0000${tenant}`
  const hit = baselineCache.get(key, end)
  if (incremental && hit?.end === end) return hit.baselines
  const rows = await selectRows<Record<string, unknown>>(store, contextBaselineSql(store.database), {
    from: toSec(end - BASELINE_HOURS * 3_600_000),
    to: toSec(end),
    tenant,
  })
  const baselines = contextBaselines(
    rows.map((r) => ({ tenant_id: String(r.tenant_id), feature: String(r.feature), requests: num(r.requests), q: (r.q as unknown[]).map(num) })),
  )
  if (incremental) baselineCache.set(key, { end, baselines }, end)
  return baselines
}
