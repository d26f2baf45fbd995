import type { FarmInstall } from './farm-clusters'
import { awakeSince } from './farm-wake'
import { binomialZ } from './stats'
import type { FarmTrait } from './types'

/**
 * New installs concentrated on a value the tenant's established installs
 * hardly have. The farm that passes attestation, spoofs a different real
 * phone per install, spreads over many /24s of one hosting provider and calls
 * on independent clocks leaves no shared fingerprint, build, /24 or lockstep
 * to group it by (red team, `farm_diverse_trickle`: 60 installs over 40 /24s
 * of one cloud ASN, joining over 12 minutes). What it cannot hide is where
 * its installs come from: a burst of new installs on an ASN that holds almost
 * none of the tenant's established installs. Real users live on carriers and
 * ISPs the tenant already sees. The same holds for what a farm runs: one
 * spoofed phone build, or an old app build the store no longer serves
 * (farm-new-build.ts).
 *
 * Signal per value of a trait (`new_network` for an ASN, `new_build` for a
 * build): the binomial tail of its share of the tenant's new installs (first
 * seen in the farm window) against NEW_NETWORK_SURGE times its share of the
 * tenant's established installs (active in the window, first seen before it),
 * smoothed by half an install. The composite null of "up to 10x its usual
 * share" leaves room for a marketing push or a launch in one country (its
 * carriers' shares of new installs grow 2-5x); a provider with no users of
 * the tenant grows hundreds of times. Only the value's new installs are
 * members, and at least NEW_NETWORK_MIN_INSTALLS of them.
 *
 * One egress is not a farm: when one /24 holds more than half of them
 * (a corporate NAT, a QA lab, a hotel, a school), the group is left to the
 * /24 trait, where two behavioural signals are needed.
 *
 * Blind spots of the ASN: a farm on residential proxies of the carriers the
 * tenant's users use (its share stays near theirs). A launch into a country
 * where the tenant had no users looks the same on each of its carriers; it is
 * told apart by arriving on two or more of them at once (farm-market-arrival.ts),
 * so a launch in a country of one carrier still reads as a farm.
 */
export const NEW_NETWORK_SURGE = 10
/**
 * Fewest new installs on one such value: a big tenant's users trickle in from
 * hundreds of small ISPs it rarely sees, a handful each an hour; twenty in an
 * hour from one network with no users is not a trickle.
 */
export const NEW_NETWORK_MIN_INSTALLS = 20
/** Largest z a newness group scores: past it, more evidence changes nothing (a farm of 40 on an unused provider reads ~100). */
export const NEWNESS_Z_CAP = 50

/** A trait whose values new installs may crowd onto. */
export interface NewnessTrait<T extends string = FarmTrait> {
  trait: T
  signal: 'new_network' | 'new_build' | 'busy_new' | 'co_wake'
  /** The install's value, or null when it has none worth judging (an unknown network). */
  key: (i: FarmInstall) => string | null
  /** Whether installs woken together after a silence count as new from their wake (a third horizon, farm-wake.ts). */
  wakes?: boolean
  /** Which values may be judged at all, given the established installs of the horizon (default: every value). */
  candidates?: (established: FarmInstall[]) => (members: FarmInstall[]) => boolean
}

export interface NewnessGroup<T extends string = FarmTrait> {
  trait: T
  signal: NewnessTrait['signal']
  value: string
  members: FarmInstall[]
  z: number
  /** The wakes (HH:MM UTC) a co_wake group's members returned in. */
  wakes?: string[]
}

/** The newness signals of a group not judged on them. */
export const NO_NEWNESS: Record<NewnessTrait['signal'], number> = { new_network: 0, new_build: 0, busy_new: 0, co_wake: 0 }

/**
 * The ASN also reads wakes: a farm that registers its installs one by one, lets them idle and wakes them together,
 * each a different real phone on its own /24 of one host (red team round 4, aged spread), has no first appearance
 * in the burst, no shared build and ~1 member per /24; what it still shows is that the installs becoming active
 * together come from a network the tenant's users do not use. Same null as for new installs: a network's share of
 * the installs awake since the burst horizon (new, or woken after DETECT_FARM_WAKE_SILENCE_MINUTES with at least
 * WAKE_MIN_REQUESTS since) is at most NEW_NETWORK_SURGE times its share of the tenant's other installs. People woken
 * together (a push to lapsed users, the morning) wake on the carriers the tenant's users use, each near its share.
 */
export const NEW_NETWORK: NewnessTrait = { trait: 'asn', signal: 'new_network', key: (i) => (i.asn === 0 ? null : `AS${i.asn}`), wakes: true }

/**
 * Judged on each horizon the newness signal uses (farm-clusters.ts): installs first
 * seen in the farm window against those seen before it, and first seen in the
 * last NEW_INSTALL_BURST_MINUTES against the rest, which keeps the signal alive
 * where the store holds less history than the window (the first hour after a
 * deployment, when every install of the window is new), and, for a trait that
 * reads wakes, installs awake since the burst horizon against the rest. Per
 * value the strongest is kept; groups under zMin are dropped.
 */
export function newnessGroups<T extends string>(
  list: FarmInstall[],
  trait: NewnessTrait<T>,
  windowStart: number,
  minSize: number,
  burstStart = windowStart,
  zMin = 0,
  minCount = Math.max(minSize, NEW_NETWORK_MIN_INSTALLS),
): NewnessGroup<T>[] {
  const best = new Map<string, NewnessGroup<T>>()
  for (const { groups } of newnessByHorizon(list, trait, windowStart, burstStart, minCount)) {
    for (const g of groups) {
      const had = best.get(g.value)
      if (!had || g.z > had.z) best.set(g.value, g)
    }
  }
  return [...best.values()].filter((g) => g.z >= zMin).sort((a, b) => b.z - a.z)
}

/** A value's group on one horizon, with what its null rests on: its smoothed share of the established installs. */
export interface HorizonGroup<T extends string = FarmTrait> extends NewnessGroup<T> {
  share: number
}

/** Per horizon (farm-clusters.ts): each value's group of at least minCount new installs, and how many new installs there were. */
export function newnessByHorizon<T extends string>(
  list: FarmInstall[],
  trait: NewnessTrait<T>,
  windowStart: number,
  burstStart: number,
  minCount: number,
): { groups: HorizonGroup<T>[]; freshTotal: number }[] {
  return horizons(trait, windowStart, burstStart).map((isNew) => groupsSince(list, trait, isNew, minCount))
}

/** The ASN trait alone (new installs from a network the tenant's users do not use). */
export const newNetworkGroups = (list: FarmInstall[], windowStart: number, minSize: number, burstStart = windowStart, zMin = 0) =>
  newnessGroups(list, NEW_NETWORK, windowStart, minSize, burstStart, zMin)

/** What counts as new on each horizon: first seen in the window; first seen in the burst; awake in the burst (when the trait reads wakes). */
function horizons(trait: NewnessTrait<string>, windowStart: number, burstStart: number): ((i: FarmInstall) => boolean)[] {
  const out = [(i: FarmInstall) => i.first_seen >= windowStart]
  if (burstStart <= windowStart) return out
  out.push((i) => i.first_seen >= burstStart)
  if (trait.wakes) out.push((i) => awakeSince(i, burstStart))
  return out
}

function groupsSince<T extends string>(
  list: FarmInstall[],
  trait: NewnessTrait<T>,
  isNew: (i: FarmInstall) => boolean,
  minCount: number,
): { groups: HorizonGroup<T>[]; freshTotal: number } {
  const fresh = new Map<string, FarmInstall[]>()
  const established = new Map<string, number>()
  const establishedList: FarmInstall[] = []
  let freshTotal = 0
  for (const i of list) {
    const value = trait.key(i)
    if (isNew(i)) {
      freshTotal++
      if (value === null) continue
      const g = fresh.get(value)
      if (g) g.push(i)
      else fresh.set(value, [i])
    } else {
      establishedList.push(i)
      if (value !== null) established.set(value, (established.get(value) ?? 0) + 1)
    }
  }
  const admits = trait.candidates?.(establishedList) ?? (() => true)
  const out: HorizonGroup<T>[] = []
  for (const [value, members] of fresh) {
    if (members.length < minCount || !admits(members)) continue
    const perPrefix = new Map<string, number>()
    for (const m of members) perPrefix.set(m.ip_prefix, (perPrefix.get(m.ip_prefix) ?? 0) + 1)
    if (Math.max(...perPrefix.values()) > members.length / 2) continue
    const share = ((established.get(value) ?? 0) + 0.5) / (establishedList.length + 1)
    const p0 = Math.min(1, NEW_NETWORK_SURGE * share)
    if (p0 >= 1) continue
    const z = Math.min(NEWNESS_Z_CAP, Math.max(0, binomialZ(members.length, freshTotal, p0)))
    out.push({ trait: trait.trait, signal: trait.signal, value, members, z, share })
  }
  return { groups: out, freshTotal }
}
