import type { Store } from '../clickhouse/client'
import type { InstallTraits } from '../install-types'
import { selectRows } from '../clickhouse/select'
import { num, toSec } from './query'
import type { DetectionSettings } from './settings'
import { contextBaselineSql } from './sql/context-baseline'
import { featureInstallsSql, versionRequestsSql } from './sql/feature-installs'
import { installMinutesSql } from './sql/install-minutes'
import { installTraitsSql } from './sql/install-traits'
import { bombingGroups, mergeGroups, versionWide, type BombingGroup } from './bombing-groups'
import { detectModerateGroups, movedVersionMedian, windowVersions } from './bombing-moderate'
import { appendTo } from './collect'
import { guardFeatureLaunches } from './bombing-launch'

/**
 * Prompt bombing as cumulative evidence. The window detector compares an
 * install's mean request size with other installs' means, which misses an
 * install that sends requests a few times the feature's median for tens of
 * minutes: its mean is not an outlier among means, but request after request
 * it is more likely under "3x the median" than under the feature's own
 * distribution. Here each request adds its log-likelihood ratio (LLR) of
 * those two hypotheses, on the log scale where a feature's request sizes are
 * roughly normal, and a CUSUM (reset at 0) accumulates it per install:
 *
 *   LLR(x) = (δ/σ²) · (ln x − μ − δ/2),   δ = ln 3
 *
 * μ and σ are the feature's per-request median and spread over the previous
 * hours (usage_minute's t-digest), shrunk towards the tenant's for a feature
 * with little history. Requests under √3 ≈ 1.7x the median subtract evidence,
 * so a power user with slightly larger requests never accumulates; at 3x each
 * request adds ~1.7 (σ 0.6). The CUSUM value S is an LLR: z = √(2S), so the
 * alert threshold z = DETECT_Z_ALERT (6) is S = 18, about 11 requests at 3x
 * or 4 at 10x. One minute adds at most MINUTE_CAP, so one burst is not a
 * sustained attack (the window detector handles single huge requests).
 *
 * Group level, for attacks spread over many installs or rotating ids:
 *  - an install is "elevated" when its LLR total over the window sits
 *    ELEVATED_Z standard deviations above what the feature's distribution
 *    gives an install with as many requests (≈0.13 % of honest installs);
 *  - elevated installs sharing a trait (fingerprint, /24, ASN + device, device
 *    build) pool their LLR: rotating ids of one device or network add up;
 *  - a tenant+feature with more elevated installs than GROUP_P0 of its active
 *    installs allows (binomial tail ≥ zAlert/2) is a coordinated excess, scored
 *    by the geometric mean of that count z and the z of their pooled LLR
 *    (less 10 per member chance would give); if more than a
 *    quarter of the feature is elevated, the feature itself changed (a
 *    release: the cost detector's subject), and it is not raised as bombing.
 */
export const SHIFT = Math.log(3)
export const MIN_REQUEST_SIGMA = 0.3
export const PRIOR_REQUESTS = 50
export const MIN_FEATURE_REQUESTS = 20
export const MINUTE_CAP = 12
export const SEQ_WINDOW_MINUTES = 30
export const BASELINE_HOURS = 6
export const ELEVATED_Z = 3
export const GROUP_P0 = 0.005
export const GROUP_MIN_INSTALLS = 5
export const FEATURE_WIDE_SHARE = 0.25
/**
 * Installs whose positive minutes add up to less than this are not read:
 * their CUSUM stays under it (score < 25, where findings start at z = 3, S = 4.5)
 * and an elevated install needs an LLR total of at least ~3.8.
 */
export const MIN_POSITIVE_LLR = 3.5

export interface ContextBaseline {
  mu: number
  sigma: number
  requests: number
  median: number
  source: 'feature' | 'shrunk' | 'version'
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

export interface InstallMinutes {
  tenant_id: string
  feature: string
  install_id: string
  minutes: number[]
  requests: number[]
  prompt: number[]
}

export interface SequentialEvidence {
  tenant_id: string
  feature: string
  install_id: string
  /** CUSUM now and its peak in the window, in LLR units (z = √(2S)). */
  cusum: number
  cusum_peak: number
  /** Sum of every request's LLR in the window, and how many standard deviations that is above an honest install's. */
  llr_total: number
  elevation_z: number
  requests: number
  mean_context: number
  baseline_median: number
  baseline_sigma: number
  baseline_source: ContextBaseline['source']
  /** Minute (epoch ms) the current CUSUM run started: the evidence's onset. */
  since: number
}

/** Walks one install's minutes; pure. */
export function sequentialEvidence(m: InstallMinutes, b: ContextBaseline): SequentialEvidence {
  const s2 = b.sigma * b.sigma
  const slope = SHIFT / s2
  let S = 0
  let peak = 0
  let total = 0
  let n = 0
  let prompt = 0
  let since = 0
  for (let i = 0; i < m.minutes.length; i++) {
    const k = m.requests[i]
    if (k <= 0 || m.prompt[i] <= 0) continue
    // ln of a minute's mean overstates the mean of ln by up to σ²/2; correct for it.
    const x = Math.log(m.prompt[i] / k) - (s2 / 2) * (1 - 1 / k)
    const llr = Math.max(-MINUTE_CAP, Math.min(MINUTE_CAP, k * slope * (x - b.mu - SHIFT / 2)))
    if (S === 0 && llr > 0) since = m.minutes[i] * 60_000
    S = Math.max(0, S + llr)
    peak = Math.max(peak, S)
    total += llr
    n += k
    prompt += m.prompt[i]
  }
  // Under the feature's distribution each request's LLR is N(−δ²/2σ², δ²/σ²).
  const elevation = n > 0 ? (total + (n * SHIFT * SHIFT) / (2 * s2)) / ((SHIFT / b.sigma) * Math.sqrt(n)) : 0
  return {
    tenant_id: m.tenant_id,
    feature: m.feature,
    install_id: m.install_id,
    cusum: S,
    cusum_peak: peak,
    llr_total: total,
    elevation_z: elevation,
    requests: n,
    mean_context: n ? prompt / n : 0,
    baseline_median: b.median,
    baseline_sigma: b.sigma,
    baseline_source: b.source,
    since,
  }
}

export const cusumZ = (S: number) => Math.sqrt(2 * Math.max(0, S))

export const isElevated = (e: SequentialEvidence) => e.llr_total > 0 && e.elevation_z >= ELEVATED_Z

export type { InstallTraits } from '../install-types'
export { bombingGroups, versionWide, type BombingGroup } from './bombing-groups'

export interface SequentialResult {
  evidence: SequentialEvidence[]
  groups: BombingGroup[]
}

/** Reads the window's install minutes and the baselines, and scores both levels. */
/**
 * `activeInstalls` (tenant\0feature → installs), when the caller already has
 * them (the window detector's rows), saves a scan; otherwise they are counted
 * over the sequential window.
 */
export async function detectSequentialBombing(
  store: Store,
  s: Pick<DetectionSettings, 'zAlert'>,
  now: number,
  opts: { tenant?: string; activeInstalls?: Map<string, number> } = {},
): Promise<SequentialResult> {
  const db = store.database
  const tenant = opts.tenant ?? ''
  const from = now - SEQ_WINDOW_MINUTES * 60_000
  const [qrows, counts, versions] = await Promise.all([
    selectRows<Record<string, unknown>>(store, contextBaselineSql(db), { from: toSec(now - BASELINE_HOURS * 3_600_000), to: toSec(from), tenant }),
    opts.activeInstalls
      ? Promise.resolve([])
      : selectRows<Record<string, unknown>>(store, featureInstallsSql(db), { from: toSec(from), to: toSec(now) + 1, tenant }),
    selectRows<Record<string, unknown>>(store, versionRequestsSql(db), { from: toSec(from), to: toSec(now) + 1, tenant }),
  ])
  const baselines = contextBaselines(
    qrows.map((r) => ({ tenant_id: String(r.tenant_id), feature: String(r.feature), requests: num(r.requests), q: (r.q as unknown[]).map(num) })),
  )
  if (baselines.size === 0) return { evidence: [], groups: [] }
  // The per-minute LLR is also computed in the engine, so that only installs with some evidence are read.
  const keys = [...baselines.keys()]
  const minutes = await selectRows<Record<string, unknown>>(store, installMinutesSql(db), {
    from: toSec(from),
    to: toSec(now) + 1,
    tenant,
    keys: keys.map((k) => k.replace('\u0000', '|')),
    mus: keys.map((k) => baselines.get(k)!.mu),
    sigmas: keys.map((k) => baselines.get(k)!.sigma),
    shift: SHIFT,
    cap: MINUTE_CAP,
    min_positive: MIN_POSITIVE_LLR,
  })
  const rows = minutes.map((r) => ({
    tenant_id: String(r.tenant_id),
    feature: String(r.feature),
    install_id: String(r.install_id),
    minutes: (r.minutes as unknown[]).map(num),
    requests: (r.requests as unknown[]).map(num),
    prompt: (r.prompt as unknown[]).map(num),
  }))
  const traits = new Map<string, InstallTraits>()
  const byTenant = new Map<string, string[]>()
  for (const r of rows) appendTo(byTenant, r.tenant_id, r.install_id)
  for (const [t, ids] of byTenant) {
    const unique = [...new Set(ids)]
    for (let i = 0; i < unique.length; i += 2_000) {
      const found = await selectRows<Record<string, unknown>>(store, installTraitsSql(db), { tenant: t, installs: unique.slice(i, i + 2_000) })
      for (const r of found)
        traits.set(`${t}\u0000${r.install_id}`, {
          install_id: String(r.install_id),
          app_version: String(r.app_version),
          device_model: String(r.device_model),
          os_version: String(r.os_version),
          device_fingerprint: String(r.device_fingerprint),
          ip_prefix: String(r.ip_prefix),
          asn: num(r.asn),
        })
    }
  }
  const versionMedian = new Map<string, number>(
    versions
      .filter((v) => num(v.requests) >= MIN_FEATURE_REQUESTS)
      .map((v) => [`${v.tenant_id}\u0000${v.feature}\u0000${v.app_version}`, num(v.median_context)]),
  )
  // An install that upgraded during the window used two versions: it is judged against the moved one, if any.
  const used = await windowVersions(store, rows, from, now)
  const evidence: SequentialEvidence[] = []
  for (const r of rows) {
    const b = baselines.get(`${r.tenant_id}\u0000${r.feature}`)
    if (!b) continue
    const v = traits.get(`${r.tenant_id}\u0000${r.install_id}`)?.app_version
    const versions = [...(used.get(`${r.tenant_id}\u0000${r.install_id}`) ?? []), ...(v === undefined ? [] : [v])]
    evidence.push(sequentialEvidence(r, rebased(b, movedVersionMedian(b, versionMedian, r.tenant_id, r.feature, versions))))
  }
  const installs = opts.activeInstalls ?? new Map<string, number>(counts.map((c) => [`${c.tenant_id}\u0000${c.feature}`, num(c.installs)]))
  const versionRequests = new Map<string, number>(versions.map((v) => [`${v.tenant_id}\u0000${v.feature}\u0000${v.app_version}`, num(v.requests)]))
  const wide = versionWide(evidence, traits, versionRequests)
  // An install whose whole version shifted is not a bomber either: its own CUSUM is dropped.
  for (const e of evidence) {
    const v = traits.get(`${e.tenant_id}\u0000${e.install_id}`)?.app_version
    if (v !== undefined && wide.has(`${e.tenant_id}\u0000${e.feature}\u0000${v}`)) e.cusum = Math.min(e.cusum, 0)
  }
  // Coordinated moderate excess (≈2x over many installs) is judged at group level only (bombing-moderate.ts).
  const moderate = await detectModerateGroups(store, baselines, versionMedian, installs, s.zAlert, from, now, tenant)
  const groups = mergeGroups(bombingGroups(evidence, traits, installs, s.zAlert, wide), moderate)
  return { evidence, groups: await guardFeatureLaunches(store, groups, baselines, now, tenant) }
}
