import type { Store } from '../clickhouse/client'
import { withListed, type BombingGroup } from './bombing-groups'
import type { InstallMinutes } from './bombing-minutes'
import type { ContextBaseline, SequentialEvidence } from './bombing-sequential'
import { binomialLogTail, lowerBound, mad, MAD_TO_SIGMA, median, normalQuantile, zFromLogTail } from './stats'
import { DEFAULT_DETECTION_SETTINGS, severityFor } from './settings'
import { appendTo } from './collect'
import { historyDev, installHistorySums } from './install-history'
import { OWN_HISTORY_MINUTES, referenceShift } from './bombing-moderate'
import { LATE_MINUTES, ONSET_BIN_MINUTES, type SplitCandidate } from './bombing-onset'
import { toSec } from './query'

/**
 * Members of a spread attack that keep their own user's traffic (a second member look of a standing feature-level
 * group; docs/detection.md, "Members that keep their own traffic"). An install whose user keeps sending 2–4
 * ordinary requests a minute beside the attack's averages 1.15–1.4x per request since the attack's minute g, under
 * the 1.5x bar of every size test; the attack's requests come on top of its user's, so its rate rose too.
 *
 * Per install of the tenant+feature, at the group's split g (one fixed split):
 *  - size: z = (Σ_{t≥g} k·(x − μ) − n·r) / (σ√n) as changeAt (bombing-onset.ts), then divided by the spread of
 *    the same z among installs with about as many requests since g (calibrateBySize);
 *  - rate: given its K requests over the 90-minute history and the window, the n since g are Binomial(K,
 *    T_since/T_all) when its rate did not change (two Poisson counts, the past rate's uncertainty included);
 *    raw = z of that upper tail. The rate, not the spend: spend is rate × size, and the size is the first
 *    component; the two are close to independent under the null;
 *  - the rate's null is empirical: real users' sessions start and stop (a session begun at g reads raw 5–13).
 *    z_rate is the conformal rank of raw among the N eligible installs, the group's members left out:
 *    p = (1 + #{j ≠ i: raw_j ≥ raw_i}) / N, z_rate = Φ⁻¹(1 − p), valid whatever the users' clocks and at most
 *    Φ⁻¹(1 − 1/N) (2.9 for 500): the busiest session starter is worth one rank;
 *  - named when Stouffer's (z_size + z_rate)/√2 ≥ Φ⁻¹(1 − α/(REPEATED_LOOKS·N)), α = DETECT_SPREAD_MEMBER_ALPHA
 *    chance names per group. With z_rate bounded, z_size must bring ≈ 3 (250–500 installs): a power user whose
 *    session began at g, at its usual size, is never named.
 * Eligible (tested and in the null): 2+ requests since g, those before g in the window not ≥ 1.5x its reference,
 * its first request since g within the bin and late minutes, not yet a member. Only groups over the alert line
 * with an onset minute; named installs are listed, not counted (the group's z and score are unchanged). Blind
 * spots: members whose own rate fell as the attack began, members with one request since g, no g (staggered).
 */
const MIN_SHIFT = Math.log(1.5)
/** Runs look again while the onset stands (2–20 min after g): a maximum over them passes a bar 7–9x as often as one look (Brownian paths, 1-min/30-s runs). */
export const REPEATED_LOOKS = 10

/** One install's sums at the group's split g. */
export interface SplitInstall {
  tenant_id: string
  feature: string
  install_id: string
  /** Requests since g, in the window before g, in the own history before the window; Σk(x − μ) of the first two. */
  nSince: number
  nPre: number
  nHistory: number
  devSince: number
  devPre: number
  /** First active minute since g (epoch minute); prompt tokens in the window; reference above μ (own past or version). */
  firstSince: number
  prompt: number
  ref: number
}

export interface SplitTimes {
  /** The attack minute (epoch minute); minutes before it (history and window) and since; the last minute at which a first request since g is the attack's start. */
  g: number
  past: number
  since: number
  latestStart: number
}

export interface RateMember {
  install: SplitInstall
  zSize: number
  zRate: number
  z: number
}

/** z of n or more of K requests falling in the since part under an unchanged rate; pure. */
export function rateRaw(nSince: number, nPast: number, t: SplitTimes): number {
  const q = t.since / (t.past + t.since)
  return zFromLogTail(binomialLogTail(nSince, nSince + nPast, q))
}

/**
 * The installs of one tenant+feature named by the combined look; pure. `sigma`: the feature's per-request spread;
 * `members`: install ids already listed (left out of the test and the null).
 */
export function spreadRateMembers(installs: SplitInstall[], sigma: number, t: SplitTimes, members: Set<string>, alpha: number): RateMember[] {
  const eligible = installs.filter(
    (i) => !members.has(i.install_id) && i.nSince >= 2 && i.firstSince <= t.latestStart && !(i.nPre > 0 && i.devPre / i.nPre - i.ref >= MIN_SHIFT),
  )
  const N = eligible.length
  if (N < 2) return []
  const raw = eligible.map((i) => rateRaw(i.nSince, i.nHistory + i.nPre, t))
  const sorted = Float64Array.from(raw).sort()
  const sizeZ = eligible.map((i) => (i.devSince - i.nSince * i.ref) / (sigma * Math.sqrt(i.nSince)))
  const calibrated = calibrateBySize(eligible, sizeZ)
  const bar = -normalQuantile(alpha / (N * REPEATED_LOOKS))
  const out: RateMember[] = []
  for (let j = 0; j < N; j++) {
    const i = eligible[j]
    const zSize = calibrated[j]
    if (zSize <= 0) continue
    // Others at or above its raw value (itself left out): the conformal p-value.
    const atOrAbove = N - lowerBound(sorted, raw[j]) - 1
    const zRate = -normalQuantile((1 + atOrAbove) / N)
    const z = (zSize + zRate) / Math.SQRT2
    if (z >= bar) out.push({ install: i, zSize, zRate, z })
  }
  return out
}

/**
 * The size z against the spread of the same z over the feature's installs with about as many requests since g (its
 * power-of-2 bin of n, widened a bin each side until STRATUM_MIN installs): its Gaussian null holds for an install
 * whose requests are independent draws around a known reference, not for a busy user whose sessions differ in size
 * (a 1.08x change over 300 requests reads z 2.4 against σ/√n), nor where the own-past reference is itself a short
 * estimate. z' = (z − max(0, median)) / max(1, 1.4826·MAD): never sharper than the Gaussian, wider where the
 * feature's installs of that size are. One median and MAD per bin: O(N log N) for a feature of any size. Pure.
 */
export const STRATUM_MIN = 20
export function calibrateBySize(installs: { nSince: number }[], z: number[]): number[] {
  const bin = (n: number) => Math.floor(Math.log2(Math.max(1, n)))
  const byBin = new Map<number, number[]>()
  installs.forEach((a, j) => appendTo(byBin, bin(a.nSince), z[j]))
  const bins = [...byBin.keys()]
  const lo = Math.min(...bins)
  const hi = Math.max(...bins)
  const need = Math.min(STRATUM_MIN, installs.length)
  const scale = new Map<number, { m: number; s: number }>()
  for (const b of bins) {
    let peers: number[] = []
    for (let w = 0; peers.length < need && (b - w >= lo || b + w <= hi); w++) {
      peers = []
      for (let k = b - w; k <= b + w; k++) for (const v of byBin.get(k) ?? []) peers.push(v)
    }
    const m = median(peers)
    scale.set(b, { m: Math.max(0, m), s: Math.max(1, MAD_TO_SIGMA * mad(peers, m)) })
  }
  return installs.map((a, j) => {
    const c = scale.get(bin(a.nSince))!
    return (z[j] - c.m) / c.s
  })
}

/** One install's sums at split g from its window minutes; pure. */
export function splitSums(m: InstallMinutes, b: ContextBaseline, g: number, nHistory: number, ref: number): SplitInstall {
  const half = (b.sigma * b.sigma) / 2
  const s: SplitInstall = {
    tenant_id: m.tenant_id,
    feature: m.feature,
    install_id: m.install_id,
    nSince: 0,
    devSince: 0,
    nPre: 0,
    devPre: 0,
    nHistory,
    firstSince: Infinity,
    prompt: 0,
    ref,
  }
  for (let i = 0; i < m.minutes.length; i++) {
    const k = m.requests[i]
    const p = m.prompt[i]
    if (k <= 0 || p <= 0) continue
    const d = k * (Math.log(p / k) - half * (1 - 1 / k) - b.mu)
    s.prompt += p
    if (m.minutes[i] >= g) {
      s.nSince += k
      s.devSince += d
      s.firstSince = Math.min(s.firstSince, m.minutes[i])
    } else {
      s.nPre += k
      s.devPre += d
    }
  }
  return s
}

export interface SpreadRateInputs {
  /** Every install's minutes of the window; tenant\0feature\0install → its own-history requests and reference above μ; epoch minutes. */
  series: Iterable<InstallMinutes>
  baselines: Map<string, ContextBaseline>
  history: (key: string) => { n: number; ref: number }
  fromMinute: number
  nowMinute: number
  historyMinutes: number
  lateMinutes: number
  alpha: number
}
/** The feature-level groups over the alert line with an onset minute: those this look names members of. */
export const spreadRateGroups = (groups: BombingGroup[]) => groups.filter((g) => g.kind === 'feature_excess' && g.onset && severityFor(g.score) !== null)

/** Adds the installs the combined look names to each standing group with an onset (listed, not counted); pure. */
export function joinBySpreadRate(groups: BombingGroup[], x: SpreadRateInputs): BombingGroup[] {
  const standing = new Set(spreadRateGroups(groups).map((g) => `${g.tenant_id}\u0000${g.feature}`))
  if (!standing.size) return groups
  const byFeature = new Map<string, InstallMinutes[]>()
  for (const m of x.series) {
    const key = `${m.tenant_id}\u0000${m.feature}`
    if (standing.has(key)) appendTo(byFeature, key, m)
  }
  return groups.map((g) => {
    const key = `${g.tenant_id}\u0000${g.feature}`
    const b = x.baselines.get(key)
    if (!standing.has(key) || !g.onset || !b) return g
    const at = g.onset.minute
    const t: SplitTimes = { g: at, past: at - x.fromMinute + x.historyMinutes, since: Math.max(1, x.nowMinute - at), latestStart: at + x.lateMinutes }
    const installs = (byFeature.get(key) ?? []).map((m) => {
      const h = x.history(`${key}\u0000${m.install_id}`)
      return splitSums(m, b, at, h.n, h.ref)
    })
    const named = spreadRateMembers(installs, b.sigma, t, new Set(g.members.map((m) => m.install_id)), x.alpha)
    if (!named.length) return g
    const joined = named.map((r) => spreadRateEvidence(r, b))
    const hhmm = new Date(at * 60_000).toISOString().slice(11, 16)
    return withListed(
      g,
      joined,
      `${joined.length} more installs whose requests since ${hhmm} UTC are both larger than their own past and more frequent than their own past rate, beyond the feature's other installs at that minute (request size and rate combined, at most ${x.alpha} such names by chance per look): listed, not counted`,
    )
  })
}

function spreadRateEvidence(r: RateMember, b: ContextBaseline): SequentialEvidence {
  const i = r.install
  const n = i.nSince + i.nPre
  return {
    tenant_id: i.tenant_id,
    feature: i.feature,
    install_id: i.install_id,
    cusum: 0,
    cusum_peak: 0,
    llr_total: 0,
    elevation_z: r.z,
    requests: n,
    mean_context: n ? i.prompt / n : 0,
    baseline_median: b.median * Math.exp(i.ref),
    baseline_sigma: b.sigma,
    baseline_source: b.source,
    since: i.firstSince * 60_000,
  }
}

/**
 * The combined look for the standing groups of one run: every install of their features (`series`, called only
 * when some group stands), their own history from the minutes install-history.ts keeps (no new read), the
 * candidates' references (a moved version among them); an install of a feature with a moved version that is not a
 * candidate has no known version here and is left in the null only.
 */
export async function nameSpreadRateMembers(
  store: Store,
  groups: BombingGroup[],
  x: {
    baselines: Map<string, ContextBaseline>
    candidates: SplitCandidate[]
    movedFeatures: Set<string>
    from: number
    now: number
    tenant: string
    alpha?: number
  },
  series: () => Promise<Iterable<InstallMinutes>>,
): Promise<BombingGroup[]> {
  const alpha = x.alpha ?? DEFAULT_DETECTION_SETTINGS.spreadMemberAlpha
  if (alpha <= 0 || !spreadRateGroups(groups).length) return groups
  const sums = await installHistorySums(store, x.tenant, toSec(x.from - OWN_HISTORY_MINUTES * 60_000), toSec(x.from))
  const refs = new Map(x.candidates.map((c) => [`${c.row.tenant_id}\u0000${c.row.feature}\u0000${c.row.install_id}`, c.ref]))
  const history = (key: string) => {
    const h = sums(key)
    const feature = key.slice(0, key.lastIndexOf('\u0000'))
    const b = x.baselines.get(feature)!
    const own = h ? { n: h.n, dev: historyDev(h, b.mu, b.sigma) } : undefined
    const ref = refs.get(key) ?? (x.movedFeatures.has(feature) ? Infinity : referenceShift(own))
    return { n: h?.n ?? 0, ref }
  }
  return joinBySpreadRate(groups, {
    series: await series(),
    baselines: x.baselines,
    history,
    fromMinute: x.from / 60_000,
    nowMinute: x.now / 60_000,
    historyMinutes: OWN_HISTORY_MINUTES,
    lateMinutes: ONSET_BIN_MINUTES + LATE_MINUTES - 1,
    alpha,
  })
}
