import { groupSubject, type BombingGroup } from './bombing-groups'
import type { ContextBaseline, SequentialEvidence } from './bombing-sequential'
import { zToScore } from './stats'
import { severityFor } from './settings'
import { appendTo } from './collect'
import { ONSET_BIN_MINUTES, ONSET_RATE_FLOOR, ONSET_SAFETY, ONSET_SPAN_MINUTES, bestBin, peerOnsets } from './bombing-onset-null'

/**
 * Shared onset: installs recruited into one spread attack start sending
 * larger requests at the same minute (one command, one campaign), while the
 * honest installs whose requests grew (a long document pasted, a session
 * started with history) do so at scattered minutes. The per-install bar of
 * the moderate count test (z ≥ 3 against the install's own past) takes 10–20
 * requests at 2x; an attacker sending 1 request a minute stays under it for
 * most of the attack. Asking "how many installs changed at this minute?"
 * needs far less per install, because chance rarely lines up many changes in
 * one 3-minute bin.
 *
 * Per install (from the dense suffix sums of install-shift.ts): for each
 * suffix start s (every minute, ONSET_SPAN_MINUTES back to 2 minutes back),
 * the requests after s against the install's reference r (own history or a
 * moved version, as in bombing-moderate.ts): post shift ≥ ln 1.5 and post z =
 * dev/(σ√n) ≥ ONSET_Z, with the requests before s (in the window) not
 * themselves elevated (a heavy user is heavy throughout; it has no onset).
 * The onset is the first active minute after the best split (highest z).
 *
 * Group test per tenant+feature: each W-minute bin's onsets against a
 * binomial over the feature's active installs, with a per-install onset
 * rate that is the larger of the feature's own background (the onsets a bin
 * or more away, ×ONSET_SAFETY, at least ONSET_RATE_FLOOR a minute) and the
 * median share of the other large features' installs with an onset in the
 * same minutes (bombing-onset-null.ts: honest onsets crowd the newest minutes); the bin of
 * highest z is kept, its tail multiplied by the number of bin positions. At least GROUP_MIN members; more than a quarter of the
 * feature's installs raises nothing, and a feature whose median request moved
 * (a launch: every user changed) is not raised (bombing-launch.ts).
 *
 * Members changed at the attack's minute (joinAtOnset): the bin names the
 * installs whose *best* split falls in it, and an attacker's may lie
 * elsewhere: a light install whose one honest request a few minutes before
 * the attack happened to be large has it there, and an install mixing its
 * own requests with the attack's has it wherever a run of large ones fell.
 * Once a feature-level group of the tenant+feature is over the alert line
 * (whichever test carries it), every other candidate install is tested once
 * at the attack's minute g (the minute most of the bin's onsets share):
 * its requests from g on against its reference with z ≥ MEMBER_Z (the count
 * test's lowest bar), a mean shift of at least half the bin's (at most
 * ln 1.5: half its traffic its own), its requests before g not elevated,
 * its first request since g within the bin and late minutes. One fixed look
 * has the plain Gaussian tail, P(Z ≥ 3) ≈ 0.13 % per install tested (an
 * upper bound: σ is the feature's spread across installs, wider than one
 * install's own), not the best of 19 splits, and it is only asked where a
 * group already stands: ≤ 0.65 chance members per run in a feature of 500
 * installs. They name the group; they do not count towards its z.
 *
 * Blind spots: an attack whose members join over many minutes (a slow
 * recruitment: no common onset; the count test still accumulates), an attack
 * older than ONSET_SPAN_MINUTES (its onset left the window; by then the other
 * tests carry it), members with a single request, and members whose own
 * traffic outweighs the attack's (3 of its own requests a minute beside 1 at
 * 2x average 1.19x: under half the attack's shift at any split).
 */
export { ONSET_SPAN_MINUTES, ONSET_BIN_MINUTES, ONSET_RATE_FLOOR, ONSET_SAFETY }
export const ONSET_Z = 2.5
/** The bar of an install tested once at a standing group's attack minute (joinAtOnset). */
export const MEMBER_Z = 3
/** Onsets this many minutes after the bin are named too (not counted): late starters of the same attack. */
export const LATE_MINUTES = 2
const MIN_SHIFT = Math.log(1.5)

/** Suffix starts (minutes back from now), oldest first: ONSET_SPAN_MINUTES … 2. */
export const ONSET_SUFFIXES: readonly number[] = Array.from({ length: ONSET_SPAN_MINUTES - 1 }, (_, i) => ONSET_SPAN_MINUTES - i)

export interface OnsetRow {
  tenant_id: string
  feature: string
  install_id: string
  /** Whole window: requests and Σk(x − μ). */
  n: number
  dev: number
  /** Per suffix start (epoch minute, ascending): requests and Σk(x − μ) from it to now. */
  starts: number[]
  sn: number[]
  sdev: number[]
}

export interface Onset {
  minute: number
  n: number
  z: number
  shift: number
}

/** The install's onset (epoch minute) against reference r above μ, or null; pure. */
export function onsetOf(row: OnsetRow, sigma: number, r: number): Onset | null {
  let best: (Onset & { j: number }) | null = null
  for (let j = 0; j < row.starts.length; j++) {
    const n = row.sn[j]
    if (n < 2) continue
    const d = row.sdev[j] - n * r
    const z = d / (sigma * Math.sqrt(n))
    if (d / n < MIN_SHIFT || z < ONSET_Z) continue
    const nPre = row.n - n
    if (nPre > 0 && (row.dev - row.sdev[j]) / nPre - r >= MIN_SHIFT) continue
    if (!best || z > best.z) best = { minute: row.starts[j], n, z, shift: d / n, j }
  }
  if (!best) return null
  // The first active minute of the post part: the latest suffix start that still holds all its requests.
  let minute = best.minute
  for (let i = best.j + 1; i < row.starts.length && row.sn[i] === best.n; i++) minute = row.starts[i]
  return { minute, n: best.n, z: best.z, shift: best.shift }
}

/**
 * An install whose requests changed at minute `g` (one fixed split), against reference r above μ, by at least
 * `minShift` (log) on average and z ≥ ONSET_Z, its requests before g not themselves elevated; or null. Pure.
 */
export function changeAt(row: OnsetRow, sigma: number, r: number, g: number, minShift = MIN_SHIFT, minZ = ONSET_Z): Onset | null {
  const j = row.starts.indexOf(g)
  if (j < 0) return null
  const n = row.sn[j]
  if (n < 2) return null
  const d = row.sdev[j] - n * r
  const z = d / (sigma * Math.sqrt(n))
  if (d / n < minShift || z < minZ) return null
  const nPre = row.n - n
  if (nPre > 0 && (row.dev - row.sdev[j]) / nPre - r >= MIN_SHIFT) return null
  let minute = g
  for (let i = j + 1; i < row.starts.length && row.sn[i] === n; i++) minute = row.starts[i]
  return { minute, n, z, shift: d / n }
}

/** A candidate install of a feature, tested at a standing group's onset minute (changeAt). */
export interface SplitCandidate {
  row: OnsetRow
  baseline: ContextBaseline
  /** Its reference above the feature's μ (own history or a moved version). */
  ref: number
  prompt: number
}

/**
 * Onset groups; pure. `onsets`: installs with an onset and their evidence (elevation_z = the onset z);
 * `installs`: active installs per tenant\0feature.
 */
export function onsetGroups(
  onsets: { onset: Onset; evidence: SequentialEvidence }[],
  installs: Map<string, number>,
  groupMin: number,
  wideShare: number,
  zAlert: number,
): BombingGroup[] {
  const byFeature = new Map<string, { onset: Onset; evidence: SequentialEvidence }[]>()
  for (const o of onsets) appendTo(byFeature, `${o.evidence.tenant_id}\u0000${o.evidence.feature}`, o)
  const peers = peerOnsets(byFeature, installs)
  const out: BombingGroup[] = []
  for (const [key, list] of byFeature) {
    if (list.length < groupMin) continue
    const n = Math.max(installs.get(key) ?? list.length, list.length)
    const minutes = list.map((o) => o.onset.minute)
    const best = bestBin(minutes, n, peers, key, { min: groupMin, max: wideShare * n })
    if (!best) continue
    const { rate, z } = best
    const outside = list.length - best.k
    if (z <= 0) continue
    // Named: the bin and the LATE_MINUTES after it (a member sending 1 request a minute may start a few minutes late).
    const members = list.filter((o) => o.onset.minute >= best.from && o.onset.minute < best.from + ONSET_BIN_MINUTES + LATE_MINUTES)
    const { tenant_id, feature } = members[0].evidence
    const shift = members.reduce((a, o) => a + o.onset.shift, 0) / members.length
    const ratio = Math.exp(shift)
    const at = new Date(best.from * 60_000).toISOString().slice(11, 16)
    out.push({
      subject: groupSubject(tenant_id, `feature|${feature}`),
      tenant_id,
      feature,
      kind: 'feature_excess',
      trait: 'onset',
      value: feature,
      z,
      score: zToScore(z, zAlert),
      members: members.map((o) => o.evidence),
      installs: n,
      elevated: members.length,
      onset: { minute: attackMinute(minutes.filter((m) => m >= best.from && m < best.from + ONSET_BIN_MINUTES)), shift },
      reasons: [
        `${best.k} of ${n} active installs of ${feature} began sending requests ${ratio.toFixed(1)}x their usual size within the same ${ONSET_BIN_MINUTES} minutes (from ${at} UTC; ${members.length - best.k} more in the ${LATE_MINUTES} minutes after); ${outside} other installs' requests grew at scattered times (≈${(n * rate).toFixed(1)} expected in these ${ONSET_BIN_MINUTES} minutes${best.peer ? ", as many as the tenants' other features show at the same minutes" : ''}): a coordinated start (z ${z.toFixed(1)})`,
      ],
    })
  }
  return out
}

/** The minute most of the bin's onsets share (the earliest of equals): the attack's first minute, not an honest onset beside it. */
function attackMinute(minutes: number[]): number {
  const count = new Map<number, number>()
  for (const m of minutes) count.set(m, (count.get(m) ?? 0) + 1)
  return [...count].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0]
}

/** Evidence row for an onset member (shape of the other bombing tests' members). */
export function onsetEvidence(row: OnsetRow, b: ContextBaseline, r: number, o: Onset, prompt: number): SequentialEvidence {
  return {
    tenant_id: row.tenant_id,
    feature: row.feature,
    install_id: row.install_id,
    cusum: 0,
    cusum_peak: 0,
    llr_total: 0,
    elevation_z: o.z,
    requests: row.n,
    mean_context: row.n ? prompt / row.n : 0,
    baseline_median: b.median * Math.exp(r),
    baseline_sigma: b.sigma,
    baseline_source: b.source,
    since: o.minute * 60_000,
  }
}

/**
 * Members changed at the attack's minute (see the header); pure. For each feature-level group over the alert line
 * (score ≥ 50, whichever test carries it) whose feature has an onset bin, the candidates of that tenant+feature not
 * yet listed are tested once at the attack's minute, z ≥ MEMBER_Z, at least half the bin members' mean shift (at
 * most ln 1.5): a member whose own requests are half its traffic averages half the attack's shift on the log scale.
 * They are listed, not counted: the group's z and score are unchanged.
 */
export function joinAtOnset(groups: BombingGroup[], candidates: SplitCandidate[]): BombingGroup[] {
  const byFeature = new Map<string, SplitCandidate[]>()
  for (const c of candidates) appendTo(byFeature, `${c.row.tenant_id}\u0000${c.row.feature}`, c)
  return groups.map((g) => {
    if (g.kind !== 'feature_excess' || !g.onset || severityFor(g.score) === null) return g
    const { minute, shift } = g.onset
    const ids = new Set(g.members.map((m) => m.install_id))
    const minShift = Math.min(MIN_SHIFT, shift / 2)
    const joined = (byFeature.get(`${g.tenant_id}\u0000${g.feature}`) ?? []).flatMap((c) => {
      const o = ids.has(c.row.install_id) ? null : changeAt(c.row, c.baseline.sigma, c.ref, minute, minShift, MEMBER_Z)
      // Its first request since that minute came within the group's window (as the bin's late members): not a change minutes later.
      return o && o.minute < minute + ONSET_BIN_MINUTES + LATE_MINUTES ? [onsetEvidence(c.row, c.baseline, c.ref, o, c.prompt)] : []
    })
    if (!joined.length) return g
    const at = new Date(minute * 60_000).toISOString().slice(11, 16)
    const members = [...g.members, ...joined]
    return {
      ...g,
      members,
      elevated: members.length,
      reasons: [
        ...g.reasons,
        `${joined.length} more installs whose requests grew ${Math.exp(minShift).toFixed(2)}x or more from ${at} UTC, the attack's first minute (one look each, z ≥ ${MEMBER_Z}): listed, not counted`,
      ],
    }
  })
}
