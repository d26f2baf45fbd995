import type { Store } from '../clickhouse/client'
import type { ContextBaseline } from './bombing-baselines'
import { withListed, type BombingGroup } from './bombing-groups'
import type { InstallMinutes } from './bombing-minutes'
import { TAIL_LINE_RATIO, readTails, type FeatureTail } from './bombing-common-tail'
import type { SequentialEvidence } from './bombing-sequential'
import { ALERT_SCORE, severityFor } from './settings'
import { normalUpperTail } from './stats'

/**
 * Members of a standing feature-level group that sent one huge request each. Red team 4's abandoned streams: 30 of a
 * tenant's installs each opened one 40k-120k-token stream; 2 were never named, though the feature group stood
 * (opened at attack minute 7), because each also sent its user's ordinary requests: the cumulative test caps a
 * minute's evidence (12 of the 18 an install needs) and its elevation test averages the one huge request with
 * ordinary ones over 30 minutes, and the window test shrinks a mean of 2 requests by √(2/5).
 *
 * Once a feature-level group is over the alert line, the installs of its tenant+feature with an install-minute
 * whose mean context reached the line L = TAIL_LINE_RATIO x the feature's baseline median since the group's onset
 * (a minute whose mean is over L holds a request over L) are listed with it, not counted: the group's z and score do
 * not change. Null: an honest request is over L with probability p, the larger of the feature's baseline rate of
 * such requests (bombing-common-tail.ts: install-minutes over L per request over 6 h) and the log-normal baseline's
 * tail 1 − Φ((ln L − μ)/σ) (a short baseline with none over L does not read as p = 0). The look names installs only
 * when the feature's requests since the onset, n, give n·p ≤ alpha chance names (DETECT_SPREAD_MEMBER_ALPHA, the
 * other member looks' budget): in a feature whose users paste long documents it names nobody.
 */

/** The chance that one honest request of the feature is over its line. */
export function overLineRate(b: ContextBaseline, tail: FeatureTail | undefined): number {
  const model = normalUpperTail((Math.log(TAIL_LINE_RATIO * b.median) - b.mu) / b.sigma)
  return Math.max(model, tail && tail.requests > 0 ? tail.over / tail.requests : 0)
}

export interface HugeMemberInputs {
  series: Iterable<InstallMinutes>
  baselines: Map<string, ContextBaseline>
  tails: Map<string, FeatureTail>
  alpha: number
}

/** Adds the installs with a request over the line since each standing feature-level group's onset; pure. */
export function joinByHugeRequests(groups: BombingGroup[], x: HugeMemberInputs): BombingGroup[] {
  const standing = new Map(
    groups.filter((g) => g.kind === 'feature_excess' && severityFor(g.score) !== null).map((g) => [`${g.tenant_id}\u0000${g.feature}`, g]),
  )
  if (!standing.size || x.alpha <= 0) return groups
  const byFeature = new Map<string, InstallMinutes[]>()
  for (const m of x.series) {
    const key = `${m.tenant_id}\u0000${m.feature}`
    if (standing.has(key)) byFeature.set(key, [...(byFeature.get(key) ?? []), m])
  }
  return groups.map((g) => {
    const key = `${g.tenant_id}\u0000${g.feature}`
    const b = x.baselines.get(key)
    if (standing.get(key) !== g || !b) return g
    const since = g.onset?.minute ?? Math.min(...g.members.map((m) => (m.since > 0 ? m.since / 60_000 : Infinity)))
    if (!Number.isFinite(since)) return g
    const line = TAIL_LINE_RATIO * b.median
    const listed = new Set(g.members.map((m) => m.install_id))
    let requests = 0
    const joined: SequentialEvidence[] = []
    for (const m of byFeature.get(key) ?? []) {
      let n = 0
      let prompt = 0
      let huge = false
      m.minutes.forEach((t, i) => {
        if (t < since) return
        n += m.requests[i]
        prompt += m.prompt[i]
        if (m.requests[i] > 0 && m.prompt[i] / m.requests[i] >= line) huge = true
      })
      requests += n
      if (huge && !listed.has(m.install_id)) joined.push(hugeEvidence(m, n, prompt, b, since))
    }
    const chance = requests * overLineRate(b, x.tails.get(key))
    if (!joined.length || chance > x.alpha) return g
    const hhmm = new Date(since * 60_000).toISOString().slice(11, 16)
    return withListed(
      g,
      joined,
      `${joined.length} more installs with a request over ${TAIL_LINE_RATIO}x the feature's median since ${hhmm} UTC (${requests.toLocaleString('en-US')} requests of the feature since then, ${chance.toFixed(3)} such requests expected by chance): listed, not counted`,
    )
  })
}

function hugeEvidence(m: InstallMinutes, n: number, prompt: number, b: ContextBaseline, since: number): SequentialEvidence {
  return {
    tenant_id: m.tenant_id,
    feature: m.feature,
    install_id: m.install_id,
    cusum: 0,
    cusum_peak: 0,
    llr_total: 0,
    elevation_z: 0,
    requests: n,
    mean_context: n ? prompt / n : 0,
    baseline_median: b.median,
    baseline_sigma: b.sigma,
    baseline_source: b.source,
    since: since * 60_000,
  }
}

/** The detector's step: the tails of the features whose feature-level group is over the alert line, then the join. */
export async function nameHugeRequestMembers(
  store: Store,
  groups: BombingGroup[],
  x: { baselines: Map<string, ContextBaseline>; from: number; tenant: string; alpha: number; series: () => Promise<Iterable<InstallMinutes>> },
): Promise<BombingGroup[]> {
  const standing = groups.filter((g) => g.kind === 'feature_excess' && g.score >= ALERT_SCORE)
  if (!standing.length) return groups
  const tails = await readTails(
    store,
    x.baselines,
    x.from,
    x.tenant,
    standing.map((g) => `${g.tenant_id}\u0000${g.feature}`),
  )
  return joinByHugeRequests(groups, { series: await x.series(), baselines: x.baselines, tails, alpha: x.alpha })
}
