import type { Store } from '../clickhouse/client'
import { selectRows } from '../clickhouse/select'
import { num, toSec } from './query'
import { ALERT_SCORE, DEFAULT_DETECTION_SETTINGS, type DetectionSettings } from './settings'
import { featureInstallsSql, versionRequestsSql } from './sql/feature-installs'
import { readTraits, traitSharers, type RunProfiles } from './bombing-traits'
import { ownRebased, ownShifts } from './bombing-own'
import { incrementalInstallMinutes, keptInstallMinutes, readInstallMinutes, type InstallMinutes } from './bombing-minutes'
import { bombingGroups, mergeGroups, versionWide, type BombingGroup } from './bombing-groups'
import { MODERATE_RATIO, detectModerateGroups, featuresWithMovedVersions, movedVersionMedian, windowVersions } from './bombing-moderate'
import { joinAtOnset } from './bombing-onset'
import { nameSpreadRateMembers } from './bombing-spread-rate'
import { nameHugeRequestMembers } from './bombing-tail-members'
import { ConversationCheck } from './bombing-conversations'
import { timePhase } from './phase-cost'
import { guardFeatureLaunches, launchLevels, launchRebased } from './bombing-launch'
import { MIN_FEATURE_REQUESTS, RELEASE_MIN_INSTALLS, readBaselines, rebased, type ContextBaseline } from './bombing-baselines'

export {
  BASELINE_HOURS,
  BASELINE_STEP_MS,
  contextBaselines,
  MIN_FEATURE_REQUESTS,
  MIN_REQUEST_SIGMA,
  PRIOR_REQUESTS,
  rebased,
  VERSION_SHIFT_RATIO,
  type ContextBaseline,
} from './bombing-baselines'

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
export const MINUTE_CAP = 12
export const SEQ_WINDOW_MINUTES = 30
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
/** Prefix of this test's sub-phases in the bench's CPU breakdown (phase-cost.ts). */
const SUB = 'prompt_bombing:   sequential: '
/** Under a finding (score 25 is z ≈ 3.9 at zAlert 6): where the launch guard starts to matter. */
const FINDING_Z = 3.5

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
  /** Moderate evidence only (bombing-moderate.ts): the request-weighted mean log shift above the install's reference over the window. */
  shift?: number
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

/** An install whose evidence is explained otherwise (a growing conversation): no finding, no group member. */
function setAside(e: SequentialEvidence): void {
  e.cusum = Math.min(e.cusum, 0)
  e.llr_total = Math.min(e.llr_total, 0)
}

export type { InstallTraits } from '../install-types'
export type { InstallMinutes } from './bombing-minutes'
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
  s: Pick<DetectionSettings, 'zAlert'> & Partial<Pick<DetectionSettings, 'spreadMemberAlpha'>>,
  now: number,
  opts: { tenant?: string; activeInstalls?: Map<string, number>; incremental?: boolean; conversations?: ConversationCheck; profiles?: RunProfiles } = {},
): Promise<SequentialResult> {
  const db = store.database
  const tenant = opts.tenant ?? ''
  const from = now - SEQ_WINDOW_MINUTES * 60_000
  const incremental = opts.incremental !== false
  const [baselines, counts, versions] = await timePhase(`${SUB}baselines and version medians`, () =>
    Promise.all([
      readBaselines(store, from, tenant, incremental),
      opts.activeInstalls
        ? Promise.resolve([])
        : selectRows<Record<string, unknown>>(store, featureInstallsSql(db), { from: toSec(from), to: toSec(now) + 1, tenant }),
      selectRows<Record<string, unknown>>(store, versionRequestsSql(db), { from: toSec(from), to: toSec(now) + 1, tenant }),
    ]),
  )
  if (baselines.size === 0) return { evidence: [], groups: [] }
  // The per-minute LLR is also computed in the engine, so that only installs with some evidence are read.
  const llr = { shift: SHIFT, cap: MINUTE_CAP, minPositive: MIN_POSITIVE_LLR }
  const readMinutes = (only: string[], minPositive: number) => readInstallMinutes(store, baselines, from, now, tenant, only, { ...llr, minPositive })
  const rows = await timePhase(`${SUB}install minutes`, () =>
    incremental ? incrementalInstallMinutes(store, baselines, from, now, tenant, llr) : readMinutes([], MIN_POSITIVE_LLR),
  )
  const traits = await timePhase(`${SUB}traits`, () => readTraits(store, rows, opts.profiles))
  // Only a release moves its installs' reference (RELEASE_MIN_INSTALLS): a handful of installs on their own build do not.
  const releases = versions.filter((v) => num(v.installs) >= RELEASE_MIN_INSTALLS)
  const versionMedian = new Map<string, number>(
    releases
      .filter((v) => num(v.requests) >= MIN_FEATURE_REQUESTS)
      .map((v) => [`${v.tenant_id}\u0000${v.feature}\u0000${v.app_version}`, num(v.median_context)]),
  )
  // An install that upgraded during the window used two versions: it is judged against the moved one, if any. Only
  // installs of features where some version moved can be, so only theirs are read from the raw events.
  const moved = featuresWithMovedVersions(baselines, versionMedian)
  const used = await timePhase(`${SUB}window versions`, () =>
    windowVersions(
      store,
      rows.filter((r) => moved.has(`${r.tenant_id}\u0000${r.feature}`)),
      from,
      now,
    ),
  )
  // A heavy user is judged against its own past when that is above the feature's (bombing-own.ts).
  const own = await timePhase(`${SUB}own past`, () => ownShifts(store, baselines, rows, from, tenant, incremental))
  const judge = (r: InstallMinutes, feature: ContextBaseline) => {
    const v = traits.get(`${r.tenant_id}\u0000${r.install_id}`)?.app_version
    const versions = [...(used.get(`${r.tenant_id}\u0000${r.install_id}`) ?? []), ...(v === undefined ? [] : [v])]
    const b = ownRebased(feature, baselines.get(`${r.tenant_id}\u0000${r.feature}`)!, own.get(`${r.tenant_id}\u0000${r.feature}\u0000${r.install_id}`))
    return sequentialEvidence(r, rebased(b, movedVersionMedian(b, versionMedian, r.tenant_id, r.feature, versions)))
  }
  const judged = rows.filter((r) => baselines.has(`${r.tenant_id}\u0000${r.feature}`))
  let evidence = judged.map((r) => judge(r, baselines.get(`${r.tenant_id}\u0000${r.feature}`)!))
  // A launch (every user's requests moved): the installs of a feature whose rest moved are judged against its current level.
  // The kept install minutes hold the feature's rest too (bombing-launch.ts).
  const keptNow = () => (incremental ? keptInstallMinutes(store, tenant, now) : undefined)
  const levels = await timePhase(`${SUB}launch levels`, () =>
    launchLevels(
      store,
      baselines,
      evidence.filter((e) => cusumZ(e.cusum) >= FINDING_Z || isElevated(e)),
      now,
      tenant,
      keptNow,
    ),
  )
  if (levels.size)
    evidence = judged.map((r, i) => {
      const key = `${r.tenant_id}\u0000${r.feature}`
      return levels.has(key) ? judge(r, launchRebased(baselines.get(key)!, levels.get(key))) : evidence[i]
    })
  const installs = opts.activeInstalls ?? new Map<string, number>(counts.map((c) => [`${c.tenant_id}\u0000${c.feature}`, num(c.installs)]))
  const versionRequests = new Map<string, number>(releases.map((v) => [`${v.tenant_id}\u0000${v.feature}\u0000${v.app_version}`, num(v.requests)]))
  const wide = versionWide(evidence, traits, versionRequests)
  // An install whose whole version shifted is not a bomber either: its own CUSUM is dropped.
  for (const e of evidence) {
    const v = traits.get(`${e.tenant_id}\u0000${e.install_id}`)?.app_version
    if (v !== undefined && wide.has(`${e.tenant_id}\u0000${e.feature}\u0000${v}`)) e.cusum = Math.min(e.cusum, 0)
  }
  // A conversation growing turn by turn re-sends its history: not a bomber either (bombing-conversations.ts).
  const conversations = opts.conversations ?? new ConversationCheck(store, from, now)
  const medianOf = (t: string, f: string) => baselines.get(`${t}\u0000${f}`)?.median ?? 0
  const spare = (list: { tenant_id: string; feature: string; install_id: string }[]) => conversations.grown(list, medianOf)
  // Only where it would raise an alert (an install at the alert line, a group below): raw events are read for few.
  const setAsideGrown = async (list: SequentialEvidence[]) => {
    if (!list.length) return 0
    const grown = await timePhase(`${SUB}conversations`, () => spare(list))
    for (const e of evidence) if (grown.has(`${e.tenant_id}\u0000${e.feature}\u0000${e.install_id}`)) setAside(e)
    return grown.size
  }
  await setAsideGrown(evidence.filter((e) => cusumZ(e.cusum) >= s.zAlert))
  // Coordinated moderate excess (≈2x over many installs) is judged at group level only (bombing-moderate.ts), its
  // window shifts computed from the install minutes kept above (all installs', not only those returned).
  const kept = keptNow()
  const moderate = await timePhase(`${SUB}moderate`, () =>
    detectModerateGroups(store, baselines, versionMedian, installs, s.zAlert, from, now, tenant, kept, spare),
  )
  let groups = bombingGroups(evidence, traits, installs, s.zAlert, wide)
  // Formed again without those set aside, a group can stand on members not asked about yet: ask them in turn.
  const asked = new Set<SequentialEvidence>()
  for (;;) {
    const raised = groups.filter((g) => g.score >= ALERT_SCORE).flatMap((g) => g.members.filter((m) => !asked.has(m)))
    for (const m of raised) asked.add(m)
    if (!(await setAsideGrown(raised))) break
    groups = bombingGroups(evidence, traits, installs, s.zAlert, wide)
  }
  // The newest ids of a rotating attacker whose group stands: read whatever they sent (bombing-traits.ts).
  const sharers = await timePhase(`${SUB}trait sharers`, () =>
    traitSharers(store, groups, new Set(rows.map((r) => `${r.tenant_id}\u0000${r.install_id}`)), from),
  )
  if (sharers.length) {
    const extra = (await readMinutes([...new Set(sharers.map((x) => x.install_id))], 0)).filter((r) =>
      sharers.some((x) => x.tenant_id === r.tenant_id && x.install_id === r.install_id),
    )
    for (const [k, t] of await readTraits(store, extra, opts.profiles)) traits.set(k, t)
    for (const r of extra) {
      const key = `${r.tenant_id}\u0000${r.feature}`
      const b = baselines.get(key)
      if (b) evidence.push(judge(r, levels.has(key) ? launchRebased(b, levels.get(key)) : b))
    }
    groups = bombingGroups(evidence, traits, installs, s.zAlert, wide)
  }
  // Once a feature-level group stands, installs whose requests changed at its onset minute name it too.
  groups = joinAtOnset(mergeGroups(groups, moderate.groups), moderate.candidates)
  // Members that keep their own traffic beside the attack's: request size and rate since its minute (bombing-spread-rate.ts).
  const spread = { baselines, candidates: moderate.candidates, movedFeatures: moved, from, now, tenant, alpha: s.spreadMemberAlpha }
  groups = await timePhase(`${SUB}spread rate members`, () => nameSpreadRateMembers(store, groups, spread, async () => keptNow() ?? (await readMinutes([], 0))))
  // Members that sent one huge request each, where the feature's own rate makes that no chance (bombing-tail-members.ts).
  const alpha = s.spreadMemberAlpha ?? DEFAULT_DETECTION_SETTINGS.spreadMemberAlpha
  groups = await nameHugeRequestMembers(store, groups, { baselines, from, tenant, alpha, series: async () => keptNow() ?? (await readMinutes([], 0)) })
  return { evidence, groups: await timePhase(`${SUB}launch guard`, () => guardFeatureLaunches(store, groups, baselines, now, tenant, MODERATE_RATIO, keptNow)) }
}
