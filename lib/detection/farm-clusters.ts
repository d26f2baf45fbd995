import { binomialZ } from './stats'
import { pooledDispersion, type FarmInstall } from './farm-install'
import type { FarmSignals, FarmTrait } from './types'
import { appendTo } from './collect'
import { newnessGroupsAllTraits } from './farm-new-build'
import { NO_NEWNESS } from './farm-new-network'
import { awakeSince } from './farm-wake'

/** A group counts as lockstep only if its per-minute variance is at most this share of independent users' (≈1). */
export const LOCKSTEP_DISPERSION = 0.8

export type { FarmInstall } from './farm-install'

export type GroupSignals = FarmSignals

export interface ScoredGroup {
  trait: FarmTrait
  value: string
  members: FarmInstall[]
  signals: GroupSignals
  dispersion: number | null
  /** Geometric mean of the two strongest signals. */
  z: number
  /** A co_wake group's wakes (farm-co-wake.ts). */
  wakes?: string[]
}

const Z_CAP = 50
const PLACEHOLDER = /^0+$|^0\.0\.0\.0\//

/**
 * Narrow traits (a device fingerprint, a /24) are shared by few legitimate
 * installs, so a suspicious group is taken whole. Broad traits (a network
 * plus a device build, a device build alone) are shared by many legitimate
 * installs, so only members that themselves failed attestation as an
 * emulator or a hooked app are grouped on them; the rest of a farm joins its
 * cluster through a narrow trait, or not at all.
 */
const TRAITS: { trait: FarmTrait; broad: boolean; key: (i: FarmInstall) => string | null }[] = [
  { trait: 'device_fingerprint', broad: false, key: (i) => (PLACEHOLDER.test(i.device_fingerprint) ? null : i.device_fingerprint) },
  { trait: 'ip_prefix', broad: false, key: (i) => (PLACEHOLDER.test(i.ip_prefix) || !i.ip_prefix ? null : i.ip_prefix) },
  { trait: 'asn_device', broad: true, key: (i) => `AS${i.asn} ${i.device_model} ${i.platform} ${i.os_version}` },
  { trait: 'device_build', broad: true, key: (i) => `${i.device_model} ${i.platform} ${i.os_version} v${i.app_version}` },
  // Coarsest: a farm that varies devices and subnets still tends to share a provider or an OS image.
  { trait: 'asn', broad: true, key: (i) => `AS${i.asn}` },
  { trait: 'os_build', broad: true, key: (i) => `${i.platform} ${i.os_version} v${i.app_version}` },
]

interface TenantTotals {
  installs: number
  fresh: number
  /** First seen since the burst horizon (NEW_INSTALL_BURST_MINUTES before the window's end). */
  burst: number
  /** Awake since the burst horizon: new, or woken after a silence, with some activity since (farm-wake.ts). */
  awake: number
  attestations: number
  suspicious: number
  counts?: Record<ConcentrationKind, Map<string, number>>
}

/**
 * What a farm's members have in common besides the trait that grouped them:
 * grouped by network, the device build (model, OS, app version: a cloned
 * image); grouped by build, the ASN; grouped by ASN + device, the /24.
 */
type ConcentrationKind = 'build' | 'asn' | 'prefix'
const CONCENTRATION: Record<ConcentrationKind, (i: FarmInstall) => string> = {
  build: (i) => `${i.device_model} ${i.platform} ${i.os_version} v${i.app_version}`,
  asn: (i) => `AS${i.asn}`,
  prefix: (i) => i.ip_prefix,
}
const CONCENTRATION_OF: Partial<Record<FarmTrait, ConcentrationKind>> = {
  ip_prefix: 'build',
  asn: 'build',
  os_build: 'build',
  device_build: 'asn',
  asn_device: 'prefix',
}

/**
 * New installs are counted twice: first seen within the farm window (60 min)
 * and within its last NEW_INSTALL_BURST_MINUTES. A farm brought up in a few
 * minutes is a burst on both; the short horizon keeps the signal alive where
 * the store holds less history than the window (the first hour after a
 * deployment, when every install of the window is "new" to the store and
 * the window's base rate is ~1), and names a farm's first members as soon as
 * their image's group has DETECT_FARM_MIN_SIZE installs instead of after
 * minutes of lockstep timing.
 */
export const NEW_INSTALL_BURST_MINUTES = 15

function totals(list: FarmInstall[], windowStart: number, burstStart: number): TenantTotals {
  const t = { installs: 0, fresh: 0, burst: 0, awake: 0, attestations: 0, suspicious: 0 }
  for (const i of list) {
    t.installs++
    if (i.first_seen >= windowStart) t.fresh++
    if (i.first_seen >= burstStart) t.burst++
    if (awakeSince(i, burstStart)) t.awake++
    t.attestations += i.attest_accepted + i.attest_rejected
    t.suspicious += Math.min(i.suspicious_rejections, i.attest_rejected)
  }
  return t
}

function withCounts(t: TenantTotals, list: FarmInstall[]): TenantTotals {
  const counts = { build: new Map<string, number>(), asn: new Map<string, number>(), prefix: new Map<string, number>() }
  for (const i of list)
    for (const k of Object.keys(counts) as ConcentrationKind[]) counts[k].set(CONCENTRATION[k](i), (counts[k].get(CONCENTRATION[k](i)) ?? 0) + 1)
  return { ...t, counts }
}

/** The members holding the group's most common value of what it concentrates on (sharedBuildZ). */
function onConcentration(members: FarmInstall[], trait: FarmTrait): FarmInstall[] {
  const kind = CONCENTRATION_OF[trait]
  if (!kind) return members
  const counts = new Map<string, number>()
  for (const m of members) counts.set(CONCENTRATION[kind](m), (counts.get(CONCENTRATION[kind](m)) ?? 0) + 1)
  const [top] = [...counts].reduce((x, y) => (y[1] > x[1] ? y : x))
  return members.filter((m) => CONCENTRATION[kind](m) === top)
}

/** A group "shares" a build (or network) when at least this share of it has its most common value. */
export const SHARED_BUILD_MIN_SHARE = 0.5

/**
 * How unusual it is that so many of a group share one more trait (signal
 * `shared_build`): the binomial tail of its most common device build (for a
 * group keyed by network; ASN for a group keyed by build, /24 for ASN +
 * device) against that value's share among the rest of the tenant (prior: 20
 * installs at 5 %), scored only when it is at least SHARED_BUILD_MIN_SHARE of
 * the group. A corporate NAT or a carrier /24 holds the tenant's usual mix of
 * phones and a popular build is spread over many networks; a farm of cloned
 * images on one provider holds one of each.
 */
function sharedBuildZ(members: FarmInstall[], tenant: TenantTotals, trait: FarmTrait): number {
  const kind = CONCENTRATION_OF[trait]
  if (!tenant.counts || !kind) return 0
  const of = CONCENTRATION[kind]
  const counts = new Map<string, number>()
  for (const m of members) counts.set(of(m), (counts.get(of(m)) ?? 0) + 1)
  // Only the most common value, and only when it is most of the group: "one build", not "a popular phone".
  const [b, k] = [...counts].reduce((x, y) => (y[1] > x[1] ? y : x))
  if (k < members.length * SHARED_BUILD_MIN_SHARE) return 0
  const rest = (tenant.counts[kind].get(b) ?? k) - k
  const p0 = (rest + 0.05 * 20) / (tenant.installs - members.length + 20)
  return Math.min(Z_CAP, binomialZ(k, members.length, p0))
}

/**
 * Prior of the base rates, for when the rest of the tenant is empty or a
 * handful of installs: a new tenant's first installs are all new and may be
 * one office behind one /24, and against a rest-of-tenant rate of 0 (clamped
 * to 1e-9) 5 new installs out of 5, or a single emulator rejection, looked
 * impossible and scored a farm. Each rate is estimated as (k + weight × rate)
 * / (n + weight): the prior counts as `weight` installs (attestations) at a
 * deliberately generous rate (legitimate installs rarely fail as emulators
 * or hooked apps; a farm does in tens of percent of its attestations), which
 * a tenant with a real population outweighs.
 */
export const BASE_RATE_PRIOR = {
  fresh: { rate: 0.1, weight: 20 },
  suspicious: { rate: 0.01, weight: 100 },
} as const

const baseRate = (k: number, n: number, prior: { rate: number; weight: number }) =>
  (Math.max(0, k) + prior.rate * prior.weight) / (Math.max(0, n) + prior.weight)

/**
 * Signals of one group in z units, each against the rest of the tenant (the
 * group itself excluded, so a large farm cannot raise its own baseline).
 */
export function groupSignals(
  members: FarmInstall[],
  tenant: TenantTotals,
  windowStart: number,
  minSize: number,
  trait: FarmTrait,
  burstStart = windowStart,
  selectedOnRejection = false,
): { signals: GroupSignals; dispersion: number | null; woke: number } {
  const g = totals(members, windowStart, burstStart)
  const p0 = baseRate(tenant.suspicious - g.suspicious, tenant.attestations - g.attestations, BASE_RATE_PRIOR.suspicious)
  // Members of a broad-trait group were picked BECAUSE each had a suspicious rejection: that first rejection (and
  // its attestation) is the selection, not evidence. Counting it made 8 honest phones of one popular build, each
  // with one transient hooking_framework rejection among ~12 accepted attestations, "8 of 103 rejected" (z 10).
  const picked = selectedOnRejection ? members.length : 0
  const rejections = Math.min(Z_CAP, Math.max(0, binomialZ(g.suspicious - picked, g.attestations - picked, p0)))
  const freshRate = baseRate(tenant.fresh - g.fresh, tenant.installs - g.installs, BASE_RATE_PRIOR.fresh)
  const burstRate = baseRate(tenant.burst - g.burst, tenant.installs - g.installs, BASE_RATE_PRIOR.fresh)
  // The third horizon counts woken installs as new from their wake (farm-wake.ts).
  const awakeRate = baseRate(tenant.awake - g.awake, tenant.installs - g.installs, BASE_RATE_PRIOR.fresh)
  const woke = Math.min(Z_CAP, Math.max(0, binomialZ(g.awake, g.installs, awakeRate)))
  const newInstalls = Math.min(Z_CAP, Math.max(0, binomialZ(g.fresh, g.installs, freshRate), binomialZ(g.burst, g.installs, burstRate), woke))
  const { dispersion, df } = pooledDispersion(members)
  // Under independent (Poisson) arrivals the dispersion is ~1 with variance ~2/df. Lockstep is tested against
  // LOCKSTEP_DISPERSION, not against 1: with hundreds of members a dispersion of 0.94 is "significant" (z 4.3 for the
  // carrier-grade NAT look-alike's 300 installs) yet no one would call those users synchronized; a farm on a
  // timer reads near 0.
  const synchronized = dispersion === null ? 0 : Math.min(Z_CAP, Math.max(0, (LOCKSTEP_DISPERSION - dispersion) / Math.sqrt(2 / df)))
  const sharedFingerprint = trait === 'device_fingerprint' && members.length >= minSize ? Z_CAP : 0
  const sharedBuild = sharedBuildZ(members, tenant, trait)
  return {
    signals: { rejections, synchronized, new_installs: newInstalls, shared_fingerprint: sharedFingerprint, shared_build: sharedBuild, ...NO_NEWNESS },
    dispersion,
    woke,
  }
}

/**
 * Two independent signals are needed: the geometric mean of the strongest
 * two, the second at least zAlert/2 on its own. A shared build (or a shared network, the group's key) is a trait, not
 * behaviour: when attestation does not fail (a farm that passes it, or a
 * corporate NAT, a QA lab), one of the two must be behaviour: lockstep
 * timing or a burst of new installs.
 */
export function combineSignals(s: GroupSignals, zAlert = 6): number {
  const top = Object.values(s).sort((a, b) => b - a)
  // The second signal must be suggestive on its own (z ≥ zAlert/2): otherwise one overwhelming signal
  // (80 new installs of a company behind its NAT: newness z 21) carried a trace of another (z 1.6) over the line.
  const plain = top[1] >= zAlert / 2 ? Math.sqrt(top[0] * top[1]) : 0
  if (s.rejections >= zAlert / 2 || s.shared_fingerprint > 0 || s.shared_build < zAlert / 2) return plain
  const behaviour = Math.max(s.synchronized, s.new_installs)
  const withoutBuild = Object.entries(s)
    .filter(([k]) => k !== 'shared_build')
    .map(([, v]) => v)
    .sort((a, b) => b - a)
  return Math.max(Math.sqrt(withoutBuild[0] * withoutBuild[1]), Math.sqrt(behaviour * s.shared_build))
}

/** Groups of installs sharing a trait that look like a farm (z ≥ zAlert / 2 are kept for ranking). */
export function scoreGroups(installs: FarmInstall[], windowStart: number, minSize: number, zAlert: number, burstStart = windowStart): ScoredGroup[] {
  const byTenant = new Map<string, FarmInstall[]>()
  for (const i of installs) {
    appendTo(byTenant, i.tenant_id, i)
  }
  const out: ScoredGroup[] = []
  for (const list of byTenant.values()) {
    const tenant = withCounts(totals(list, windowStart, burstStart), list)
    for (const { trait, broad, key } of TRAITS) {
      const groups = new Map<string, FarmInstall[]>()
      const all = new Map<string, FarmInstall[]>()
      for (const i of list) {
        const k = key(i)
        if (k === null) continue
        if (broad) {
          const a = all.get(k)
          if (a) a.push(i)
          else all.set(k, [i])
          if (i.suspicious_rejections === 0) continue
        }
        const g = groups.get(k)
        if (g) g.push(i)
        else groups.set(k, [i])
      }
      const scored = new Set<string>()
      for (const [value, members] of groups) {
        if (members.length < minSize) continue
        const { signals, dispersion } = groupSignals(members, tenant, windowStart, minSize, trait, burstStart, broad)
        const z = combineSignals(signals, zAlert)
        if (z >= zAlert / 2) {
          out.push({ trait, value, members, signals, dispersion, z })
          scored.add(value)
        }
      }
      // A device build (alone or on one network) over every install, for farms that pass attestation: kept only with
      // lockstep timing or a wake (farm-wake.ts). Coarser traits (an ASN, an OS release) hold too many honest installs.
      if (trait !== 'asn_device' && trait !== 'device_build') continue
      for (const [value, members] of all) {
        if (members.length < minSize || scored.has(value)) continue
        const whole = groupSignals(members, tenant, windowStart, minSize, trait, burstStart)
        if (whole.signals.synchronized < zAlert / 2 && whole.woke < zAlert / 2) continue
        // Kept on a wake alone: the build's installs on the network it concentrates on (the other honest users of a
        // popular phone are not the farm), judged again as such.
        const lockstep = whole.signals.synchronized >= zAlert / 2
        const kept = lockstep ? members : onConcentration(members, trait)
        const { signals, dispersion } = lockstep ? whole : groupSignals(kept, tenant, windowStart, minSize, trait, burstStart)
        const z = combineSignals(signals, zAlert)
        if (kept.length >= minSize && z >= zAlert / 2) out.push({ trait, value, members: kept, signals, dispersion, z })
      }
    }
    // New installs crowding onto a network, a device build or an old app version established ones hardly have (farm-new-build.ts).
    for (const g of newnessGroupsAllTraits(list, windowStart, minSize, burstStart, zAlert / 2)) {
      const { signals, dispersion } = groupSignals(g.members, tenant, windowStart, minSize, g.trait, burstStart)
      signals[g.signal] = g.z
      const z = combineSignals(signals, zAlert)
      if (z >= zAlert / 2) out.push({ trait: g.trait, value: g.value, members: g.members, signals, dispersion, z, wakes: g.wakes })
    }
  }
  return out.sort((a, b) => b.z - a.z)
}
