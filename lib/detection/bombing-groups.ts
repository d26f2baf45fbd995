import { createHash } from 'node:crypto'
import type { InstallTraits } from '../install-types'
import { cusumZ, FEATURE_WIDE_SHARE, GROUP_MIN_INSTALLS, GROUP_P0, isElevated, type SequentialEvidence } from './bombing-sequential'
import { TAIL_LINE_RATIO } from './bombing-common-tail'
import { binomialZ, zToScore } from './stats'
import { appendTo } from './collect'

/**
 * Group-level findings of prompt bombing (see bombing-sequential.ts for the
 * statistics): elevated installs of one tenant+feature counted against
 * chance, and elevated installs sharing a trait pooled.
 */
export interface BombingGroup {
  subject: string
  tenant_id: string
  feature: string
  kind: 'shared_trait' | 'feature_excess'
  trait: string
  value: string
  z: number
  score: number
  members: SequentialEvidence[]
  /** Active installs of the feature (feature_excess) and how many were elevated. */
  installs: number
  elevated: number
  reasons: string[]
  /** The onset test's attack minute (epoch minute most of its bin's onsets share) and its members' mean log shift, when the feature has one. */
  onset?: { minute: number; shift: number }
}

/**
 * Fewest requests in the window for an install to count towards a feature-level count (the CUSUM group's, the
 * moderate and onset tests'), unless its requests are huge (TAIL_LINE_RATIO times the median or more). Moderate
 * bombing costs through volume, sustained; an install that sent one or two larger requests is what a feature's new
 * users do on first use (red team round 5: 150 new installs trying summarize on a document 3-5x its median, once or
 * twice each, made "94 of 479 active installs each send requests well above the feature's usual size", a false
 * group: 86 of the 94 had one or two requests). A single request of 4-5x passes the elevation bar alone in a tight
 * feature, so the bar cannot tell them. Trait groups (one device or network's rotating ids) still pool every
 * elevated id, however short-lived.
 */
export const GROUP_MIN_REQUESTS = 3
export const countsTowardsFeature = (e: Pick<SequentialEvidence, 'requests' | 'mean_context' | 'baseline_median'>) =>
  e.requests >= GROUP_MIN_REQUESTS || e.mean_context >= TAIL_LINE_RATIO * e.baseline_median

const PLACEHOLDER = /^0+$|^0\.0\.0\.0\//
const TRAITS: [string, (t: InstallTraits) => string | null][] = [
  ['device_fingerprint', (t) => (PLACEHOLDER.test(t.device_fingerprint) ? null : t.device_fingerprint)],
  ['ip_prefix', (t) => (PLACEHOLDER.test(t.ip_prefix) ? null : t.ip_prefix)],
  ['asn_device', (t) => `AS${t.asn} ${t.device_model} ${t.os_version}`],
  ['device_build', (t) => `${t.device_model} ${t.os_version} v${t.app_version}`],
]

/**
 * Traits that name one device or one network. A rotating attacker's newest id has a request or two when the
 * group of its older ids stands: an id sharing the group's fingerprint or /24 with a positive CUSUM and
 * requests SHORT_LIVED_RATIO x the median or more is named with it (not counted towards its z). Broad traits (ASN +
 * device, build) hold thousands of honest installs and do not extend. Every trait group forms from ids the feature
 * count takes (countsTowardsFeature: three requests, or huge ones): red team round 5's 150 new installs trying a
 * 3-5x document once or twice each shared popular phone builds, and one a carrier's /24, by chance, 2-6 to a value,
 * and pooled to z 5.4-9.4 in 9 false groups once the feature count no longer took them.
 */
const NARROW = new Set(['device_fingerprint', 'ip_prefix'])
const SHORT_LIVED_RATIO = 1.5

function shortLived(
  candidates: SequentialEvidence[],
  members: SequentialEvidence[],
  traits: Map<string, InstallTraits>,
  keyOf: (t: InstallTraits) => string | null,
  value: string,
): SequentialEvidence[] {
  const ids = new Set(members.map((m) => m.install_id))
  return candidates.filter((e) => {
    const t = traits.get(`${e.tenant_id}\u0000${e.install_id}`)
    return !ids.has(e.install_id) && t !== undefined && keyOf(t) === value
  })
}

/** A standing group with more installs listed beside its members (not counted: its z and score are unchanged), and the reason why. */
export function withListed(g: BombingGroup, joined: SequentialEvidence[], reason: string): BombingGroup {
  return { ...g, members: [...g.members, ...joined], elevated: g.members.length + joined.length, reasons: [...g.reasons, reason] }
}

export const groupSubject = (tenant: string, key: string) => `${tenant}:bombing-${createHash('sha256').update(key).digest('hex').slice(0, 10)}`

/**
 * Elevated installs whose app version is itself elevated: when they carry
 * FEATURE_WIDE_SHARE or more of their version's requests to the feature in
 * the window, the version changed (a release re-sending history), not its
 * users: the cost detector's release check owns that. Pure.
 */
export function versionWide(evidence: SequentialEvidence[], traits: Map<string, InstallTraits>, versionRequests: Map<string, number>): Set<string> {
  const elevatedRequests = new Map<string, number>()
  for (const e of evidence) {
    if (!isElevated(e)) continue
    const v = traits.get(`${e.tenant_id}\u0000${e.install_id}`)?.app_version
    if (v === undefined) continue
    const key = `${e.tenant_id}\u0000${e.feature}\u0000${v}`
    elevatedRequests.set(key, (elevatedRequests.get(key) ?? 0) + e.requests)
  }
  const out = new Set<string>()
  for (const [key, n] of elevatedRequests) if (n >= FEATURE_WIDE_SHARE * (versionRequests.get(key) ?? Infinity)) out.add(key)
  return out
}

/** Group-level findings from the elevated installs; pure. `installs` is active installs per tenant\0feature. */
export function bombingGroups(
  evidence: SequentialEvidence[],
  traits: Map<string, InstallTraits>,
  installs: Map<string, number>,
  zAlert: number,
  wideVersions: Set<string> = new Set(),
): BombingGroup[] {
  const byFeature = new Map<string, SequentialEvidence[]>()
  const positive = new Map<string, SequentialEvidence[]>()
  for (const e of evidence) {
    const v = traits.get(`${e.tenant_id}\u0000${e.install_id}`)?.app_version
    if (v !== undefined && wideVersions.has(`${e.tenant_id}\u0000${e.feature}\u0000${v}`)) continue
    const key = `${e.tenant_id}\u0000${e.feature}`
    if (isElevated(e)) appendTo(byFeature, key, e)
    else if (e.cusum > 0 && e.mean_context >= SHORT_LIVED_RATIO * e.baseline_median) appendTo(positive, key, e)
  }
  const out: BombingGroup[] = []
  for (const [key, elevated] of byFeature) {
    const { tenant_id, feature } = elevated[0]
    const n = Math.max(installs.get(key) ?? elevated.length, elevated.length)
    const featureWide = elevated.length > FEATURE_WIDE_SHARE * n && n >= GROUP_MIN_INSTALLS
    // The count takes installs with sustained (or huge) requests only; trait groups below pool every elevated id.
    const counted = elevated.filter(countsTowardsFeature)
    const uncounted = elevated.filter((e) => !countsTowardsFeature(e))
    if (counted.length >= GROUP_MIN_INSTALLS) {
      // Two questions, both must hold: are there more elevated installs than chance gives (binomial count),
      // and is their pooled evidence strong once what chance would add is taken off (≈ 10 LLR per expected
      // chance member, generous: an honest install just past the elevation bar carries 4-6)?
      const count = binomialZ(counted.length, n, GROUP_P0)
      const pooled = cusumZ(counted.reduce((a, m) => a + m.llr_total, 0) - 10 * GROUP_P0 * n)
      const z = count >= zAlert / 2 ? Math.sqrt(count * pooled) : 0
      const reasons = [
        `${counted.length} of ${n} active installs of ${feature} each send requests well above the feature's usual size (≈${Math.round(GROUP_P0 * n * 10) / 10} expected by chance)`,
      ]
      if (featureWide)
        reasons.push(
          `over ${FEATURE_WIDE_SHARE * 100}% of the feature is elevated: the feature itself changed (a release?), see cost anomalies; not raised as bombing`,
        )
      out.push({
        subject: groupSubject(tenant_id, `feature|${feature}`),
        tenant_id,
        feature,
        kind: 'feature_excess',
        trait: 'feature',
        value: feature,
        z,
        score: featureWide ? Math.min(49, zToScore(z, zAlert)) : zToScore(z, zAlert),
        members: counted,
        installs: n,
        elevated: counted.length,
        reasons,
      })
    }
    if (featureWide) continue
    for (const [trait, keyOf] of TRAITS) {
      const groups = new Map<string, SequentialEvidence[]>()
      // Ids that sent one or two larger requests are shared by chance among many elevated installs (a popular phone
      // build, a carrier's /24): a group forms from ids the feature count takes; on a narrow trait the short-lived
      // ones are then listed with it (shortLived).
      for (const e of counted) {
        const t = traits.get(`${e.tenant_id}\u0000${e.install_id}`)
        const v = t ? keyOf(t) : null
        if (v !== null) appendTo(groups, v, e)
      }
      for (const [value, elevatedMembers] of groups) {
        if (elevatedMembers.length < 2) continue
        const members = NARROW.has(trait)
          ? [...elevatedMembers, ...shortLived([...(positive.get(key) ?? []), ...uncounted], elevatedMembers, traits, keyOf, value)]
          : elevatedMembers
        const pooled = elevatedMembers.reduce((a, m) => a + m.llr_total, 0)
        const z = cusumZ(pooled)
        out.push({
          subject: groupSubject(tenant_id, `${trait}|${value}|${feature}`),
          tenant_id,
          feature,
          kind: 'shared_trait',
          trait,
          value,
          z,
          score: zToScore(z, zAlert),
          members,
          installs: members.length,
          elevated: members.length,
          reasons: [
            `${members.length} installs sharing ${trait.replace('_', ' ')} ${value} send oversized ${feature} requests; their evidence adds up (z ${z.toFixed(1)}), as rotating install ids of one device or network would`,
          ],
        })
      }
    }
  }
  // One group per set of members: the strongest keeps it.
  out.sort((a, b) => b.score - a.score)
  const seen = new Set<string>()
  return out.filter((g) => {
    const key = g.members
      .map((m) => m.install_id)
      .sort()
      .join(',')
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/**
 * Moderate-excess groups (bombing-moderate.ts) beside the strong ones: one finding per subject, the higher
 * score and its reasons kept, the members of both listed (the strong test names the clear bombers, the
 * moderate one the thin ones; one attack, one member list).
 */
export function mergeGroups(strong: BombingGroup[], moderate: BombingGroup[]): BombingGroup[] {
  const bySubject = new Map<string, BombingGroup>()
  for (const g of [...strong, ...moderate]) {
    const cur = bySubject.get(g.subject)
    if (!cur) {
      bySubject.set(g.subject, g)
      continue
    }
    const [win, other] = g.score > cur.score ? [g, cur] : [cur, g]
    const ids = new Set(win.members.map((m) => m.install_id))
    const members = [...win.members, ...other.members.filter((m) => !ids.has(m.install_id))]
    bySubject.set(g.subject, { ...win, members, elevated: members.length, onset: win.onset ?? other.onset })
  }
  return [...bySubject.values()].sort((a, b) => b.score - a.score)
}
