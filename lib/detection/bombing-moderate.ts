import type { Store } from '../clickhouse/client'
import { countsTowardsFeature, groupSubject, mergeGroups, type BombingGroup } from './bombing-groups'
import { VERSION_SHIFT_RATIO, type ContextBaseline, type SequentialEvidence } from './bombing-sequential'
import { selectRows } from '../clickhouse/select'
import { toSec } from './query'
import type { InstallMinutes } from './bombing-minutes'
import { windowShiftRows, type InstallShift } from './bombing-shift'
import { installVersionsSql } from './sql/install-versions'
import { historyDev, installHistorySums } from './install-history'
import { binomialZ, zToScore } from './stats'
import { appendTo } from './collect'
import { timePhase } from './phase-cost'
import { ALERT_SCORE } from './settings'
import { ONSET_SUFFIXES, ONSET_Z, onsetEvidence, onsetGroups, onsetOf, type Onset, type OnsetRow, type SplitCandidate } from './bombing-onset'

/**
 * Coordinated moderate excess: many installs of one tenant+feature, each
 * sending requests about 2x the feature's median. Each install alone looks
 * like a heavy user (the CUSUM of bombing-sequential.ts tests against 3x and
 * never accumulates at 2x); together they are an attack spread thin. A person
 * looking at the data sees a subset of installs whose typical request doubled
 * while the rest of the feature did not.
 *
 * Per install, over the sequential window: the request-weighted shift of its
 * per-minute mean log context from a reference, and its z:
 *
 *   shift = Σ k·(x − μ)/n − r,   z = n·shift / (σ√n)
 *
 * r, the reference above the feature's median, is the larger of the
 * install's own history (previous OWN_HISTORY_MINUTES, shrunk towards the
 * feature with OWN_PRIOR_REQUESTS pseudo-requests: a power user whose requests
 * were always large is judged against itself) and its app version's median
 * when the version moved (a release that re-sends history is a cost event).
 * An install counts at threshold t when shift ≥ ln MODERATE_RATIO and z ≥ t.
 *
 * Group test: for t in 3..6, the count of installs at t against a binomial
 * with a per-install rate P0[t] far above the Gaussian tail (safety factors
 * of 4 at 3σ to 5·10⁴ at 6σ: request sizes are heavy-tailed and installs
 * differ), the best t kept. Counting at several thresholds lets many weak
 * installs (t = 3) and a few clear ones (t = 6) both add up, without a
 * Bonferroni penalty worth paying at z ≥ 6. Fewer than GROUP_MIN members, or
 * more than FEATURE_WIDE_SHARE of the feature's active installs (the feature
 * itself changed: the cost detector's subject), raise nothing.
 *
 * Blind spots: 1-4 installs at 2x (indistinguishable from heavy users without
 * more context), attackers whose own history was already inflated, and a
 * coordinated subset larger than a quarter of the feature.
 */
export const MODERATE_RATIO = 1.5
export const OWN_HISTORY_MINUTES = 90
export const OWN_PRIOR_REQUESTS = 10
export const GROUP_MIN = 5
export const WIDE_SHARE = 0.25
export const THRESHOLDS: readonly [number, number][] = [
  [3, 0.005],
  [4, 0.001],
  [5, 0.0002],
  [6, 0.00005],
]
/**
 * Besides the whole window, the last 5, 10 and 15 minutes alone: an install recruited into an attack was
 * honest before it, and those minutes dilute its window mean (at attack minute 5, two thirds of a 30-minute
 * window can be honest requests). Four correlated looks at most quadruple an install's tail: each suffix's z
 * is taken SUFFIX_PENALTY lower (P(Z ≥ 3.5) × 3 < P(Z ≥ 3)), so the per-install rates P0 still hold.
 */
export const SUFFIX_MINUTES = [15, 10, 5] as const
export const SUFFIX_PENALTY = 0.5
/** Prefix of this test's sub-phases in the bench's CPU breakdown (phase-cost.ts). */
const SUB = 'prompt_bombing:     moderate: '
/** LLR of the members against a doubling (ln 2), for ranking and display. */
const DOUBLE = Math.log(2)

export interface ShiftRow extends InstallShift {
  /** n and dev over the last SUFFIX_MINUTES minutes only (same order), when read. */
  suffixes?: { n: number; dev: number }[]
}

/** One install's moderate evidence against its reference; pure. `ownDev`/`ownN` from its history, `versionShift` = ln(version median / feature median) when the version moved. */
export function moderateEvidence(w: ShiftRow, b: ContextBaseline, own: { n: number; dev: number } | undefined, versionShift = 0): SequentialEvidence {
  const ownShift = own && own.n > 0 ? own.dev / (own.n + OWN_PRIOR_REQUESTS) : 0
  const r = referenceShift(own, versionShift)
  const dev = w.dev - w.n * r
  const z = w.n > 0 ? dev / (b.sigma * Math.sqrt(w.n)) : 0
  let elevation = w.n > 0 && dev / w.n >= Math.log(MODERATE_RATIO) ? z : 0
  for (const sfx of w.suffixes ?? []) {
    const d = sfx.dev - sfx.n * r
    if (sfx.n < 3 || d / sfx.n < Math.log(MODERATE_RATIO)) continue
    elevation = Math.max(elevation, d / (b.sigma * Math.sqrt(sfx.n)) - SUFFIX_PENALTY)
  }
  const llr = (DOUBLE / (b.sigma * b.sigma)) * (dev - (w.n * DOUBLE) / 2)
  return {
    tenant_id: w.tenant_id,
    feature: w.feature,
    install_id: w.install_id,
    cusum: 0,
    cusum_peak: 0,
    llr_total: llr,
    elevation_z: elevation,
    requests: w.n,
    mean_context: w.n ? w.prompt / w.n : 0,
    baseline_median: b.median * Math.exp(r),
    baseline_sigma: b.sigma,
    baseline_source: versionShift > ownShift && versionShift > 0 ? 'version' : b.source,
    since: w.first_minute * 60_000,
    shift: w.n > 0 ? dev / w.n : 0,
  }
}

/** The install's reference above the feature's μ: its own history (shrunk) or its moved version, the larger. */
export function referenceShift(own: { n: number; dev: number } | undefined, versionShift = 0): number {
  const ownShift = own && own.n > 0 ? own.dev / (own.n + OWN_PRIOR_REQUESTS) : 0
  return Math.max(0, ownShift, versionShift)
}

/** Group findings over moderately elevated installs; pure. `installs`: active installs per tenant\0feature. */
export function moderateGroups(evidence: SequentialEvidence[], installs: Map<string, number>, zAlert: number): BombingGroup[] {
  const byFeature = new Map<string, SequentialEvidence[]>()
  for (const e of evidence) {
    if (e.elevation_z < THRESHOLDS[0][0] || !countsTowardsFeature(e)) continue
    appendTo(byFeature, `${e.tenant_id}\u0000${e.feature}`, e)
  }
  const out: BombingGroup[] = []
  for (const [key, elevated] of byFeature) {
    const n = Math.max(installs.get(key) ?? elevated.length, elevated.length)
    if (elevated.length < GROUP_MIN || elevated.length > WIDE_SHARE * n) continue
    let best = { z: 0, t: 0, m: 0 }
    for (const [t, p0] of THRESHOLDS) {
      const m = elevated.filter((e) => e.elevation_z >= t).length
      if (m < GROUP_MIN) continue
      const z = binomialZ(m, n, p0)
      if (z > best.z) best = { z, t, m }
    }
    if (best.m === 0) continue
    const { tenant_id, feature } = elevated[0]
    // Once the group stands at its best threshold, every install past the lowest one is named: slow members
    // (fewer requests so far) join at once instead of minutes later. About 0.1-1 % of honest installs pass
    // t = 3 (a few per feature of 500 installs), a cost worth a member list that holds the whole attack.
    const members = elevated
    const ratio = Math.exp(members.reduce((a, e) => a + Math.log(Math.max(1, e.mean_context) / Math.max(1, e.baseline_median)), 0) / members.length)
    out.push({
      subject: groupSubject(tenant_id, `feature|${feature}`),
      tenant_id,
      feature,
      kind: 'feature_excess',
      trait: 'feature',
      value: feature,
      z: best.z,
      score: zToScore(best.z, zAlert),
      members,
      installs: n,
      elevated: members.length,
      reasons: [
        `${members.length} of ${n} active installs of ${feature} each send requests ${ratio.toFixed(1)}x their usual size (${best.m} with z ≥ ${best.t}, the rest ≥ ${THRESHOLDS[0][0]}, against its own history and the feature's median; ≈${(n * THRESHOLDS.find(([t]) => t === best.t)![1]).toFixed(1)} expected by chance): a coordinated moderate excess (z ${best.z.toFixed(1)})`,
      ],
    })
  }
  return out
}

/**
 * Reads the window's shifted installs and their own history, and scores the groups. `kept`: the window's install
 * minutes the sequential test holds (bombing-minutes.ts), to compute the shifts from instead of the engine.
 */
export async function detectModerateGroups(
  store: Store,
  baselines: Map<string, ContextBaseline>,
  versionMedian: Map<string, number>,
  installs: Map<string, number>,
  zAlert: number,
  from: number,
  now: number,
  tenant: string,
  kept?: Iterable<InstallMinutes>,
  /** Of the members of groups that would alert, those explained otherwise (a growing conversation): left out, groups judged again. */
  spare?: (rows: { tenant_id: string; feature: string; install_id: string }[]) => Promise<Set<string>>,
): Promise<{ groups: BombingGroup[]; candidates: SplitCandidate[] }> {
  if (!baselines.size) return { groups: [], candidates: [] }
  // The loose bar of the onset test (bombing-onset.ts), every minute a suffix: its rows include the count test's.
  const filter = { minShift: Math.log(MODERATE_RATIO), minZ: ONSET_Z, penalty: 0, suffixes: ONSET_SUFFIXES.map((m) => toSec(now - m * 60_000)) }
  const looks = SUFFIX_MINUTES.map((m) => ONSET_SUFFIXES.indexOf(m))
  const rows = await timePhase(`${SUB}window shifts`, () => windowShiftRows(store, baselines, from, now, tenant, filter, kept))
  // Only features with enough shifted installs to form a group are worth their members' history.
  const perFeature = new Map<string, number>()
  for (const r of rows) perFeature.set(`${r.tenant_id}\u0000${r.feature}`, (perFeature.get(`${r.tenant_id}\u0000${r.feature}`) ?? 0) + 1)
  const candidates = rows.filter((r) => (perFeature.get(`${r.tenant_id}\u0000${r.feature}`) ?? 0) >= GROUP_MIN)
  if (!candidates.length) return { groups: [], candidates: [] }
  const judge = async (candidates: typeof rows): Promise<{ groups: BombingGroup[]; candidates: SplitCandidate[] }> => {
    // Their own history, from the minutes kept between runs (install-history.ts): only new minutes are read.
    const sums = await timePhase(`${SUB}own history`, () => installHistorySums(store, tenant, toSec(from - OWN_HISTORY_MINUTES * 60_000), toSec(from)))
    const own = new Map<string, { n: number; dev: number }>()
    for (const r of candidates) {
      const key = `${r.tenant_id}\u0000${r.feature}\u0000${r.install_id}`
      const h = sums(key)
      const b = baselines.get(`${r.tenant_id}\u0000${r.feature}`)!
      if (h) own.set(key, { n: h.n, dev: historyDev(h, b.mu, b.sigma) })
    }
    // A version whose median moved VERSION_SHIFT_RATIO or more (a release) is the reference of its installs.
    const moved = featuresWithMovedVersions(baselines, versionMedian)
    const versions = await timePhase(`${SUB}window versions`, () =>
      windowVersions(
        store,
        candidates.filter((r) => moved.has(`${r.tenant_id}\u0000${r.feature}`)),
        from,
        now,
      ),
    )
    const evidence: SequentialEvidence[] = []
    const onsets: { onset: Onset; evidence: SequentialEvidence }[] = []
    const splits: SplitCandidate[] = []
    const starts = ONSET_SUFFIXES.map((m) => Math.floor(toSec(now - m * 60_000) / 60))
    for (const r of candidates) {
      const b = baselines.get(`${r.tenant_id}\u0000${r.feature}`)!
      const vm = movedVersionMedian(b, versionMedian, r.tenant_id, r.feature, versions.get(`${r.tenant_id}\u0000${r.install_id}`) ?? [])
      const vShift = vm === undefined ? 0 : Math.log(vm / b.median)
      const ownRow = own.get(`${r.tenant_id}\u0000${r.feature}\u0000${r.install_id}`)
      const suffixes = looks.map((i) => ({ n: r.sn[i], dev: r.sdev[i] }))
      evidence.push(moderateEvidence({ ...r, suffixes }, b, ownRow, vShift))
      const row: OnsetRow = { ...r, starts }
      const ref = referenceShift(ownRow, vShift)
      const o = onsetOf(row, b.sigma, ref)
      const ev = o && onsetEvidence(row, b, ref, o, r.prompt)
      if (o && ev && countsTowardsFeature(ev)) onsets.push({ onset: o, evidence: ev })
      splits.push({ row, baseline: b, ref, prompt: r.prompt })
    }
    return { groups: mergeGroups(moderateGroups(evidence, installs, zAlert), onsetGroups(onsets, installs, GROUP_MIN, WIDE_SHARE, zAlert)), candidates: splits }
  }
  let result = await judge(candidates)
  if (!spare) return result
  // Members of a group that would alert whose large requests are one conversation growing turn by turn
  // (bombing-conversations.ts) are left out and the groups judged again: only then are raw events read. Judged
  // again, a group can stand on installs not asked about yet: those are asked in turn, until none is left.
  const spared = new Set<string>()
  const asked = new Set<string>()
  const keyOf = (r: { tenant_id: string; feature: string; install_id: string }) => `${r.tenant_id}\u0000${r.feature}\u0000${r.install_id}`
  for (;;) {
    const raised = result.groups.filter((g) => g.score >= ALERT_SCORE).flatMap((g) => g.members.filter((m) => !asked.has(keyOf(m))))
    if (!raised.length) return result
    for (const m of raised) asked.add(keyOf(m))
    const grown = await timePhase(`${SUB}conversations`, () => spare(raised))
    if (!grown.size) return result
    for (const k of grown) spared.add(k)
    result = await judge(candidates.filter((r) => !spared.has(keyOf(r))))
  }
}

/** App versions each install (tenant\0install) sent requests from over [from, now]. */
export async function windowVersions(
  store: Store,
  installs: { tenant_id: string; install_id: string }[],
  from: number,
  now: number,
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>()
  for (const t of new Set(installs.map((r) => r.tenant_id))) {
    const ids = [...new Set(installs.filter((r) => r.tenant_id === t).map((r) => r.install_id))]
    for (let i = 0; i < ids.length; i += 2_000) {
      const rows = await selectRows<Record<string, unknown>>(store, installVersionsSql(store.database), {
        tenant: t,
        installs: ids.slice(i, i + 2_000),
        from: toSec(from),
        to: toSec(now) + 1,
      })
      for (const v of rows) out.set(`${t}\u0000${v.install_id}`, (v.versions as unknown[]).map(String))
    }
  }
  return out
}

/**
 * The tenant\0feature keys with a version whose median moved VERSION_SHIFT_RATIO or more above the feature's
 * baseline: only their installs can be rebased on a version (movedVersionMedian; the own-past and launch rebases
 * only raise the median it compares with), so only theirs need windowVersions' read of the raw events.
 */
export function featuresWithMovedVersions(baselines: Map<string, ContextBaseline>, versionMedian: Map<string, number>): Set<string> {
  const out = new Set<string>()
  for (const [key, m] of versionMedian) {
    const tf = key.slice(0, key.lastIndexOf('\u0000'))
    const b = baselines.get(tf)
    if (b && m >= VERSION_SHIFT_RATIO * b.median) out.add(tf)
  }
  return out
}

/**
 * The highest median among the versions an install used that moved
 * VERSION_SHIFT_RATIO or more above the feature's (a release): an install
 * that upgraded during the window is judged against its new version.
 */
export function movedVersionMedian(
  b: ContextBaseline,
  versionMedian: Map<string, number>,
  tenant: string,
  feature: string,
  versions: string[],
): number | undefined {
  let best: number | undefined
  for (const v of versions) {
    const m = versionMedian.get(`${tenant}\u0000${feature}\u0000${v}`)
    if (m !== undefined && m >= VERSION_SHIFT_RATIO * b.median && (best === undefined || m > best)) best = m
  }
  return best
}
